// The Block actor's public surface: the singleton that submits block candidates to every coin
// node and follows found blocks to maturity or orphaning (actor.ts), and its records in the
// log (log.ts). Other folders import from here, never deeper.
export type { BlockEvent, FoundBlock } from './actor.js';
export { blockActor, validateBlockMessage } from './actor.js';
export { BlockLog, blockRecord, openBlocks } from './log.js';
