// The Block actor's public surface: the singleton that submits block candidates to every coin
// node and follows found blocks to maturity or orphaning (actor.ts), its messages and events
// (messages.ts), and its records in the log (log.ts); the per-node block submitter that
// submits this node's candidates whatever the state of the bus or the lease (submitter.ts) and
// its local journal (journal.ts). Other folders import from here, never deeper.
export { blockActor } from './actor.js';
export type { BlockEvent, FoundBlock } from './messages.js';
export { validateBlockMessage } from './messages.js';
export { BlockLog, blockRecord, openBlocks } from './log.js';
export { BlockJournal, type JournalEntry } from './journal.js';
export { blockSubmitter } from './submitter.js';
export {
  validateSubmitterMessage,
  type SubmitterMessage,
  type SubmitterStats,
} from './messages.js';
