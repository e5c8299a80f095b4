// The Job actor's public surface: the singleton that turns coin-node templates into Stratum
// jobs and broadcasts them (actor.ts), the job and its coinbase (job.ts, coinbase.ts), the
// messages it takes and sends (messages.ts), the coin-node JSON-RPC client (rpc-client.ts) and
// mining.notify's parameters (notify.ts). Other folders import from here, never deeper.
export { jobActor, type JobActorConfig } from './actor.js';
export type { CoinNodesListener } from './coin-nodes.js';
export type { CoinbaseOutput } from './coinbase.js';
export { withCoinbaseWitness } from './coinbase.js';
export type { Job, JobWork, PrimeJobRules } from './job.js';
export { coinb2ForPayout, defaultCoinbaseLayout } from './job.js';
export type { JobAnnouncement } from './messages.js';
export { validateJobRequest } from './messages.js';
export { parseNotifyParams, prevHashFromStratum } from './notify.js';
export { CoinRpc } from './rpc-client.js';
