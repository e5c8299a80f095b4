// Applying custodial payouts: planned (mature → pending), sent (pending → paid, with txid),
// failed (pending → back to mature). A planned id seen twice is applied once; a result for an
// unknown or already settled payout is ignored and counted.
import type {
  CoinbasePayment,
  PayoutPlannedRecord,
  PayoutResultRecord,
} from '../shared/log-records.js';
import type { LedgerState } from './state.js';
import { account } from './state.js';

export function applyPayoutPlanned(
  state: LedgerState,
  seq: number,
  rec: PayoutPlannedRecord,
): void {
  if (state.payouts.has(rec.id)) {
    state.counters.duplicatePayouts++;
    return;
  }
  const merged = new Map<string, bigint>();
  for (const p of rec.payments) merged.set(p.account, (merged.get(p.account) ?? 0n) + p.sats);
  const payments: CoinbasePayment[] = [...merged]
    .map(([name, sats]) => ({ account: name, sats }))
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  for (const p of payments) {
    const a = account(state, p.account);
    a.mature -= p.sats;
    a.pending += p.sats;
  }
  state.payouts.set(rec.id, {
    id: rec.id,
    seq,
    payments,
    status: 'pending',
    txid: null,
    reason: null,
  });
  state.dirty.payouts.add(rec.id);
}

export function applyPayoutResult(state: LedgerState, rec: PayoutResultRecord): void {
  const payout = state.payouts.get(rec.payout);
  if (payout === undefined) {
    state.counters.unknownPayoutResults++;
    return;
  }
  if (payout.status !== 'pending') {
    state.counters.repeatedPayoutResults++;
    return;
  }
  const sent = rec.type === 'payout.sent';
  for (const p of payout.payments) {
    const a = account(state, p.account);
    a.pending -= p.sats;
    if (sent) a.paid += p.sats;
    else a.mature += p.sats;
  }
  payout.status = sent ? 'sent' : 'failed';
  payout.txid = rec.txid;
  payout.reason = rec.reason;
  state.dirty.payouts.add(rec.payout);
}
