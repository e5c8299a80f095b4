// The Share actor's public surface: the per-node actor that verifies submits and answers them
// (actor.ts, one shell; decide.ts, its decisions), the two PoW families it runs (hash-family.ts,
// prime-family.ts), its messages (messages.ts), its sink — the share log appender (log-sink.ts)
// — and the header bytes both families hash (header.ts). Other folders import from here, never
// deeper.
export type { ShareActorConfig } from './actor.js';
export { shareActor } from './actor.js';
export type { HashChecked, HashFamily, SubmitHasher } from './hash-family.js';
export { hashFamily } from './hash-family.js';
export type { JobBytes } from './header.js';
export { hashSubmitInput, jobBytes } from './header.js';
export type { AcceptedShare, LogAppenderStats, ShareSink } from '../shared/log-appender.js';
export { LogAppender, openNodeLog } from '../shared/log-appender.js';
export type { AppenderOptions } from '../shared/log-appender-options.js';
export { DEFAULT_APPENDER } from '../shared/log-appender-options.js';
export type {
  BlockCandidate,
  ShareMessage,
  SharesSettled,
  ShareStats,
  ShareSubmit,
} from './messages.js';
export { validateShareMessage } from './messages.js';
export type { PrimeFamily, PrimeFamilyConfig, PrimeVerifier } from './prime-family.js';
export { primeFamily } from './prime-family.js';
