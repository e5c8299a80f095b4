// The ledger's public surface: a deterministic function of the pool's log (records.ts),
// kept per replica in LMDB. Nothing here talks to NATS; the Ledger actor shell feeds it.
//
//   Store (one per replica directory):
//     openLedger(dir, config, {onWrite?}) → LedgerStore
//     store.applyBatch(entries: LogEntry[]) → {applied, lastApplied}
//         Entries must be in strictly increasing seq; those ≤ lastApplied are skipped. The
//         batch's effects and the new lastApplied are written in ONE LMDB transaction; on any
//         failure nothing is kept and the store is back at its previous state (the error is
//         LEDGER_WRITE_FAILED, retryable, or the LEDGER_* error of the offending record).
//     store.lastApplied() → number          resume the log consumer at lastApplied + 1
//     store.balances() / balance(account)   → AccountBalance (mature/immature/pending/paid,
//                                              debt, PPS remainder)
//     store.bill(hash | height) → BlockBill  store.blocks() → BlockSummary[]
//     store.payouts() → Payout[]             store.counters() → LedgerCounters (warnings)
//     store.coinbaseOutputs({maxOutputs, minPayoutSats}) → CoinbasePayment[]  (non-custodial)
//     store.planPayout({thresholdSats, maxPayments}) → CoinbasePayment[]      (custodial)
//     store.digest() → hex   equal on replicas that applied the same log (with one config)
//     store.snapshot() → LedgerSnapshot;  store.close()
//     store.stats() → StatsView | null   hashrate, share counts, effort (stats/view.ts), kept
//                                          when opened with {stats}; store.resumeSeq() is where
//                                          a replica reads the log from
//   Verify:   verifyLedger(store, entries (from the log's start), onProgress?) → differences
//   Edge:     validateLogRecord(unknown) → LogRecord  (LEDGER_BAD_RECORD / LEDGER_RECORD_VERSION)
//   Pure:     createState(config) + applyEntry/applyEntries for in-memory replays; the schemes
//             (tallyWindow, windowTarget, splitOverWeights, ppsCredit, settleRational, soloSplit)
//
// Rules (remainders, mixed schemes, unfilled windows, debts, maturity): README.md beside this.
export type {
  AccountScheme,
  BlockSplit,
  LedgerConfig,
  PoolScheme,
  ResolvedConfig,
} from './config.js';
export { FEE_ACCOUNT, POOL_ACCOUNT, PPS_ACCOUNT, resolveConfig } from './config.js';
export * from './errors.js';
export type * from '../shared/log-records.js';
export { LOG_RECORD_VERSION, WEIGHT_ONE } from '../shared/log-records.js';
export type { BillLine, BlockBill, SharePosition } from './bill.js';
export { applyEntries, applyEntry } from './apply.js';
export type { LedgerCounters, LedgerState, Payout, PayoutStatus, BlockStatus } from './state.js';
export { createState } from './state.js';
export { coinbaseOutputs, planPayout } from './plan.js';
export type { CoinbaseOutputOptions, PayoutPlanOptions } from './plan.js';
export { MAX_SHARE_WEIGHT, validateLogEntry, validateLogRecord } from './validate.js';
export { admitEntry, type RecordTrust } from './trust.js';
export { MAX_QUARANTINED } from './quarantine.js';
export type { LedgerDifference, LedgerSnapshot } from './snapshot.js';
export { canonical, digestOf, snapshotOf } from './snapshot.js';
export { openLedger } from './store.js';
export type {
  AccountBalance,
  ApplyResult,
  BlockSummary,
  LedgerStore,
  OpenLedgerOptions,
} from './store.js';
export { verifyLedger } from './verify.js';
export {
  HASH_WORK_PER_WEIGHT,
  PRIME_WORK_PER_WEIGHT,
  StatsBook,
  type StatsOptions,
} from './stats/book.js';
export * from './stats/view.js';
export type { VerifyProgress } from './verify.js';
export { tallyWindow, windowTarget } from './schemes/pplns.js';
export type { WindowTally } from './schemes/pplns.js';
export { splitOverWeights } from './schemes/split.js';
export { ppsCredit, settleRational } from './schemes/pps.js';
export { soloSplit } from './schemes/solo.js';
export { PageBuilder } from './window.js';
export type { WindowPage } from './window.js';
export { ledgerActor, validateLedgerMessage } from './actor.js';
export { LedgerReplica } from './replica.js';
export { PayoutExecutor, payoutComment } from './payouts.js';
export type { PayoutLedger } from './payouts.js';
export {
  CoinbasePayouts,
  coinbasePayoutOutputs,
  localPayables,
  scriptCache,
} from './payout-outputs.js';
export type { CoinbasePayoutsOptions, PayableSource } from './payout-outputs.js';
export { PayablesFromAfar } from './payables-afar.js';
export type { LedgerCoinbase, LedgerMessage } from './actor.js';
export { COINBASE_RECENT_BLOCKS } from './actor.js';
