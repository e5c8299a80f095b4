// The Share actor's public surface: the per-node actor that verifies submits in the verifier
// pool and answers them (actor.ts, prime-actor.ts), its messages (messages.ts), its sink —
// the share log appender (log-sink.ts) — and the header bytes both families hash (header.ts).
// Other folders import from here, never deeper.
export type { ShareSink, SubmitHasher } from './actor.js';
export { shareActor } from './actor.js';
export type { JobBytes } from './header.js';
export { hashSubmitInput, jobBytes } from './header.js';
export type { AppenderOptions, LogAppenderStats } from './log-sink.js';
export { DEFAULT_APPENDER, LogAppender, openNodeLog } from './log-sink.js';
export type { BlockCandidate, ShareStats } from './messages.js';
export { validateShareMessage } from './messages.js';
export type { PrimeShareMessage, PrimeVerifier } from './prime-actor.js';
export { primeShareActor, validatePrimeShareMessage } from './prime-actor.js';
export type { ShareSubmit } from './submit.js';
