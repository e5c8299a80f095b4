// Error codes of the ledger (match on `code`, never on the class: see actors/shared/errors.ts).

/** A record that is malformed, or a batch that is not in strictly increasing log order. */
export const LEDGER_BAD_RECORD = 'LEDGER_BAD_RECORD';
/** A record written by a newer Colliery (`v` > LOG_RECORD_VERSION): upgrade this node. */
export const LEDGER_RECORD_VERSION = 'LEDGER_RECORD_VERSION';
/** The ledger configuration is invalid (the message names the option and the fix). */
export const LEDGER_CONFIG_INVALID = 'LEDGER_CONFIG_INVALID';
/** The LMDB directory was built under a different payout configuration. */
export const LEDGER_CONFIG_MISMATCH = 'LEDGER_CONFIG_MISMATCH';
/** Writing a batch to LMDB failed; nothing of the batch was kept (retryable). */
export const LEDGER_WRITE_FAILED = 'LEDGER_WRITE_FAILED';
/** applyBatch while an applyBatchAsync is still committing (the caller must await it). */
export const LEDGER_BUSY = 'LEDGER_BUSY';
/** The store was used after close(). */
export const LEDGER_CLOSED = 'LEDGER_CLOSED';
