// The Ledger actor's shell (one live instance per coin, a keyed singleton; every node's replica
// is a hot standby): answers balance, bill and block queries from its node's replica, and runs
// the custodial payout rounds — only the lease holder pays, so two leaders never send twice.
import type { ActorContext, Behaviour, Factory } from '../../runtime/index.js';
import { CodedError } from '../shared/errors.js';
import type { BlockBill } from './bill.js';
import type { CoinbasePayment } from '../shared/log-records.js';
import type { AccountBalance, BlockSummary, LedgerStore } from './store.js';

export type LedgerMessage =
  | { readonly type: 'ledger.balances' }
  | { readonly type: 'ledger.bill'; readonly ref: string | number }
  | { readonly type: 'ledger.blocks' }
  | { readonly type: 'ledger.status' }
  | { readonly type: 'ledger.payout-round' }
  /**
   * A pool node without a replica (--ledger off) asks for what its coinbase outputs need: the
   * payable balances, and the hashes of the latest blocks the ledger has applied.
   */
  | {
      readonly type: 'ledger.coinbase';
      readonly maxOutputs: number;
      readonly minPayoutSats: bigint;
    };

/** The answer to `ledger.coinbase`. */
export interface LedgerCoinbase {
  readonly lastApplied: number;
  readonly payable: readonly CoinbasePayment[];
  /** The latest blocks the ledger has applied (at most COINBASE_RECENT_BLOCKS), by hash. */
  readonly applied: readonly string[];
}

/** How many of the latest applied blocks a `ledger.coinbase` answer names. */
export const COINBASE_RECENT_BLOCKS = 200;

export interface LedgerStatus {
  readonly node: string;
  readonly lastApplied: number;
  readonly digest: string;
}

export type LedgerReply =
  AccountBalance[] | BlockBill | null | BlockSummary[] | LedgerStatus | LedgerCoinbase;

export interface LedgerActorConfig {
  readonly store: LedgerStore;
  /** One custodial payout round (null: payouts are not custodial). */
  readonly payoutRound: (() => Promise<void>) | null;
  readonly payoutIntervalMs: number;
}

export function validateLedgerMessage(input: unknown): LedgerMessage {
  const m = input as { type?: unknown; ref?: unknown } | null;
  switch (m?.type) {
    case 'ledger.balances':
    case 'ledger.blocks':
    case 'ledger.status':
    case 'ledger.payout-round':
      return { type: m.type };
    case 'ledger.bill':
      if (typeof m.ref === 'string' || typeof m.ref === 'number')
        return { type: 'ledger.bill', ref: m.ref };
      break;
    case 'ledger.coinbase': {
      const c = input as { maxOutputs?: unknown; minPayoutSats?: unknown };
      const sats =
        typeof c.minPayoutSats === 'bigint'
          ? c.minPayoutSats
          : typeof c.minPayoutSats === 'number' && Number.isSafeInteger(c.minPayoutSats)
            ? BigInt(c.minPayoutSats)
            : null;
      if (
        typeof c.maxOutputs === 'number' &&
        Number.isSafeInteger(c.maxOutputs) &&
        c.maxOutputs >= 0 &&
        c.maxOutputs <= 10_000 &&
        sats !== null &&
        sats >= 0n
      )
        return { type: 'ledger.coinbase', maxOutputs: c.maxOutputs, minPayoutSats: sats };
    }
  }
  throw new CodedError(
    'BAD_MESSAGE',
    `not a Ledger message: ${JSON.stringify(input)?.slice(0, 200)}`,
  );
}

export function ledgerActor(cfg: LedgerActorConfig): Factory<LedgerMessage> {
  return (ctx) => new LedgerBehaviour(cfg, ctx);
}

class LedgerBehaviour implements Behaviour<LedgerMessage> {
  readonly #cfg: LedgerActorConfig;
  #timer: { cancel(): void } | null = null;
  #paying = false;

  constructor(cfg: LedgerActorConfig, ctx: ActorContext) {
    this.#cfg = cfg;
    if (cfg.payoutRound) this.#schedule(ctx);
  }

  receive(msg: LedgerMessage, ctx: ActorContext): LedgerReply | void {
    const store = this.#cfg.store;
    switch (msg.type) {
      case 'ledger.balances':
        return store.balances();
      case 'ledger.bill':
        return store.bill(msg.ref) ?? null;
      case 'ledger.blocks':
        return store.blocks();
      case 'ledger.status':
        return { node: ctx.node, lastApplied: store.lastApplied(), digest: store.digest() };
      case 'ledger.payout-round':
        return void this.#payoutRound(ctx);
      case 'ledger.coinbase': {
        const { maxOutputs, minPayoutSats } = msg;
        const blocks = store.blocks();
        return {
          lastApplied: store.lastApplied(),
          payable: store.coinbaseOutputs({ maxOutputs, minPayoutSats }),
          applied: blocks.slice(-COINBASE_RECENT_BLOCKS).map((b) => b.hash),
        };
      }
    }
  }

  stopped(): void {
    this.#timer?.cancel();
  }

  /** Off the actor's turn: queries keep being answered while the wallet is slow. */
  async #payoutRound(ctx: ActorContext): Promise<void> {
    const round = this.#cfg.payoutRound;
    if (!round || this.#paying) return;
    this.#paying = true;
    try {
      ctx.lease?.assertValid();
      await round();
    } catch (err) {
      ctx.log.error({ err }, 'payout round failed; the next round settles what is planned');
    } finally {
      this.#paying = false;
    }
  }

  #schedule(ctx: ActorContext): void {
    this.#timer = ctx.clock.after(this.#cfg.payoutIntervalMs, () => {
      ctx.tell(ctx.self, { type: 'ledger.payout-round' });
      this.#schedule(ctx);
    });
  }
}
