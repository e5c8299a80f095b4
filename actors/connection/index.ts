// The Connection actor's public surface: the Stratum listener that spawns one Connection actor
// per socket (server.ts), the session logic's configuration (session.ts, vardiff.ts), the two
// dialects (hash, prime), the messages it exchanges with the Share actor and its rejection
// table (errors.ts). Other folders import from here, never deeper.
export type { Dialect } from './dialect.js';
export { hashDialect } from './dialect.js';
export type { Rejection } from './errors.js';
export { REJECTIONS } from './errors.js';
export type {
  Effect,
  JobAnnouncement,
  ReconnectTarget,
  ShareSubmission,
  ShareVerdict,
  ShareVerdictKind,
} from './messages.js';
export { primeDialect } from './prime-dialect.js';
export type { StratumServer, StratumServerConfig, StratumStats } from './server.js';
export { startStratumServer } from './server.js';
export type { SessionConfig } from './session.js';
export { DEFAULT_VARDIFF } from './vardiff.js';
