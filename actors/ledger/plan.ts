// Payout planning (pure): which mature balances to pay, from the coinbase (non-custodial) or
// from the pool's wallet (custodial). Deterministic order: largest balance first, ties by
// account name; whatever is below the threshold or beyond the maximum is carried forward.
import type { CoinbasePayment } from '../shared/log-records.js';
import type { Account } from './state.js';

export interface CoinbaseOutputOptions {
  /** At most this many outputs (the coinbase's size budget). */
  readonly maxOutputs: number;
  /** Smaller balances are carried (a tiny output costs more to spend than it is worth). */
  readonly minPayoutSats: bigint;
}

export interface PayoutPlanOptions {
  readonly thresholdSats: bigint;
  readonly maxPayments: number;
}

function payable(accounts: Iterable<Account>, minSats: bigint, max: number): CoinbasePayment[] {
  const floor = minSats > 0n ? minSats : 1n;
  const out: CoinbasePayment[] = [];
  for (const a of accounts) {
    if (!a.name.startsWith('@') && a.mature >= floor) out.push({ account: a.name, sats: a.mature });
  }
  out.sort((x, y) =>
    x.sats !== y.sats
      ? x.sats > y.sats
        ? -1
        : 1
      : x.account < y.account
        ? -1
        : x.account > y.account
          ? 1
          : 0,
  );
  return out.slice(0, Math.max(0, Math.floor(max)));
}

/** Non-custodial: the accounts' mature balances ≥ minPayoutSats, at most maxOutputs. */
export function coinbaseOutputs(
  state: { readonly accounts: ReadonlyMap<string, Account> },
  opts: CoinbaseOutputOptions,
): CoinbasePayment[] {
  return payable(state.accounts.values(), opts.minPayoutSats, opts.maxOutputs);
}

/** Custodial: the payments a `payout.planned` record would carry. */
export function planPayout(
  state: { readonly accounts: ReadonlyMap<string, Account> },
  opts: PayoutPlanOptions,
): CoinbasePayment[] {
  return payable(state.accounts.values(), opts.thresholdSats, opts.maxPayments);
}
