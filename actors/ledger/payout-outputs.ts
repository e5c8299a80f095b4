// The payout split of non-custodial payouts: the coinbase outputs of a block worth `valueSats`,
// from the ledger's payable balances. Value-conserving: the outputs always add up to the block.
// CoinbasePayouts keeps what the split needs between jobs (address scripts, blocks in flight).
import type { CoinbaseOutput } from '../job/index.js';
import { addressToScript } from '../shared/address.js';
import type { NetworkParams } from '../shared/network.js';
import type { LedgerStore } from './store.js';

/**
 * Non-custodial coinbase outputs: the pool's remainder first, then each payable balance in
 * the ledger's order that has an address (`scriptOf` ≠ null). No output, the remainder
 * included, is below `minOutputSats`: a balance that is too small, or that would leave the
 * pool less than that, is skipped and stays in the ledger for a later block. The outputs
 * always add up to `valueSats`.
 */
export function coinbasePayoutOutputs(
  valueSats: bigint,
  poolScript: Uint8Array,
  payable: readonly { readonly account: string; readonly sats: bigint }[],
  opts: { minOutputSats: bigint; scriptOf: (account: string) => Uint8Array | null },
): CoinbaseOutput[] {
  const out: CoinbaseOutput[] = [];
  let rest = valueSats;
  // The pool's own output keeps at least one satoshi (and the coin's minimum output); a balance
  // bigger than what is left is paid in part, the rest carried to later blocks.
  const keep = opts.minOutputSats > 1n ? opts.minOutputSats : 1n;
  for (const p of payable) {
    const room = rest - keep;
    const pay = p.sats < room ? p.sats : room;
    if (pay < 1n || pay < opts.minOutputSats) continue;
    const script = opts.scriptOf(p.account);
    if (script === null) continue;
    out.push({ script, valueSats: pay, account: p.account });
    rest -= pay;
  }
  return [{ script: poolScript, valueSats: rest }, ...out];
}

/** An address's output script, or null for an account name that is no address. Cached. */
export function scriptCache(
  network: NetworkParams,
  /** An account name the operator knows → the address it is paid to (topology/accounts.ts). */
  addressOf: (account: string) => string | null | undefined = () => undefined,
): (account: string) => Uint8Array | null {
  const scripts = new Map<string, Uint8Array | null>();
  return (name) => {
    const account = addressOf(name) ?? name;
    let s = scripts.get(account);
    if (s === undefined) {
      try {
        s = addressToScript(account, network).script;
      } catch {
        s = null; // an account name, not an address: carried until it is paid some other way
      }
      if (scripts.size > 100_000) scripts.clear();
      scripts.set(account, s);
    }
    return s;
  };
}

/** What the coinbase split reads of the ledger: its own replica, or the Ledger actor's answers. */
export interface PayableSource {
  /** The ledger has applied this found block (its coinbase payments are in the balances). */
  applied(hash: string): boolean;
  coinbaseOutputs: LedgerStore['coinbaseOutputs'];
}

/** A replica as a PayableSource. */
export function localPayables(store: Pick<LedgerStore, 'bill' | 'coinbaseOutputs'>): PayableSource {
  return {
    applied: (hash) => store.bill(hash) !== undefined,
    coinbaseOutputs: (opts) => store.coinbaseOutputs(opts),
  };
}

export interface CoinbasePayoutsOptions {
  /** Account names the operator knows → their payout address (default: addresses only). */
  readonly addressOf?: (account: string) => string | null | undefined;
  readonly store: PayableSource;
  readonly network: NetworkParams;
  readonly poolScript: Uint8Array;
  /** Only 'coinbase' payouts, and not SOLO, put miners in the coinbase. */
  readonly payouts: 'coinbase' | 'custodial' | 'off';
  readonly solo: boolean;
  readonly maxOutputs: number;
  readonly minPayoutSats: bigint;
}

/**
 * The coinbase outputs of each new job (the Job actor asks `outputs(value)`): the payable
 * balances, less the accounts a found block already paid that the replica has not applied yet
 * (`noteFound`): paying them again would become a debt recovered from later credits.
 */
export class CoinbasePayouts {
  readonly #o: CoinbasePayoutsOptions;
  readonly #scriptOf: (account: string) => Uint8Array | null;
  readonly #inFlight = new Map<string, readonly { account: string }[]>();
  /** Prime coins refuse any output below MIN_TXOUT_AMOUNT (0.01 coin); hash coins a zero one. */
  readonly #minOutputSats: bigint;

  constructor(o: CoinbasePayoutsOptions) {
    this.#o = o;
    this.#scriptOf = scriptCache(o.network, o.addressOf);
    this.#minOutputSats = o.network.prime?.minOutputSats ?? 1n;
  }

  outputs(valueSats: bigint): CoinbaseOutput[] {
    const o = this.#o;
    if (o.payouts !== 'coinbase' || o.solo) return [{ script: o.poolScript, valueSats }];
    for (const hash of this.#inFlight.keys())
      if (o.store.applied(hash)) this.#inFlight.delete(hash);
    const busy = new Set([...this.#inFlight.values()].flat().map((p) => p.account));
    const payable = o.store.coinbaseOutputs({
      maxOutputs: o.maxOutputs,
      minPayoutSats: o.minPayoutSats,
    });
    return coinbasePayoutOutputs(valueSats, o.poolScript, payable, {
      minOutputSats: this.#minOutputSats,
      scriptOf: (account) => (busy.has(account) ? null : this.#scriptOf(account)),
    });
  }

  /** A block the Block actor found, before the replica has applied it. */
  noteFound(hash: string, paid: readonly { account: string }[]): void {
    if (paid.length > 0) this.#inFlight.set(hash, paid);
  }
}
