// Custodial payouts: the ledger leader's executor. Each round it first settles any payout the
// log says is planned but not sent, then plans a new one from the balances above the threshold.
// Exactly one send per payout across crashes and retries:
//   1. `payout.planned` is appended to the log (the ledger debits the balances when it applies it);
//   2. the wallet is searched for a transaction whose comment names the payout id — found means a
//      previous attempt (ours or a crashed leader's) already sent it;
//   3. otherwise `sendmany` with that comment;
//   4. `payout.sent` (txid) or, when the wallet refuses for good, `payout.failed` (the ledger
//      credits the balances back). A timeout or an unreachable wallet leaves the payout planned
//      and the next round starts again at step 2.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CoinRpc } from '../job/index.js';
import {
  LOG_RECORD_VERSION,
  type CoinbasePayment,
  type PayoutPlannedRecord,
  type PayoutResultRecord,
} from '../shared/log-records.js';
import { hasCode } from '../shared/errors.js';
import type { LogAppender } from '../shared/log-appender.js';

export interface PayoutLedger {
  /** Planned payouts with no sent/failed record yet. */
  pendingPayouts(): { id: string; payments: readonly CoinbasePayment[] }[];
  /** Mature balances at or above the threshold, at most `maxPayments`. */
  planPayout(opts: { thresholdSats: bigint; maxPayments: number }): CoinbasePayment[];
  lastApplied(): number;
  /** Resolves once the local replica has applied the log up to `seq`. */
  waitApplied(seq: number): Promise<void>;
}

export interface PayoutOptions {
  readonly cluster: string;
  readonly coin: string;
  readonly thresholdSats: bigint;
  readonly maxPayments: number;
  readonly rpcTimeoutMs: number;
  /** Accounts the wallet can pay (addresses of the coin's network). */
  readonly payable: (account: string) => boolean;
  /** Where an account is paid: itself (an address) or the address the operator gave its name. */
  readonly addressOf?: (account: string) => string;
}

const COMMENT_PREFIX = 'colliery payout ';

export function payoutComment(id: string): string {
  return `${COMMENT_PREFIX}${id}`;
}

/** Satoshis as the BTC decimal string Core's wallet accepts (exact; no float). */
export function btcString(sats: bigint): string {
  return `${sats / 100_000_000n}.${(sats % 100_000_000n).toString().padStart(8, '0')}`;
}

export class PayoutExecutor {
  readonly #ledger: PayoutLedger;
  readonly #wallet: CoinRpc;
  readonly #appender: LogAppender;
  readonly #opts: PayoutOptions;
  readonly #log: Logger;

  constructor(
    ledger: PayoutLedger,
    wallet: CoinRpc,
    appender: LogAppender,
    opts: PayoutOptions,
    log: Logger,
  ) {
    this.#ledger = ledger;
    this.#wallet = wallet;
    this.#appender = appender;
    this.#opts = opts;
    this.#log = log.child({ component: 'payouts' });
  }

  /** One round: settle what is pending, then plan and send one new payout if any is due. */
  async round(): Promise<void> {
    for (const p of this.#ledger.pendingPayouts()) {
      // Unreachable or refusing wallet: plan nothing new until a later round.
      if ((await this.#settle(p.id, p.payments)) !== 'sent') return;
    }
    const payments = this.#ledger
      .planPayout({ thresholdSats: this.#opts.thresholdSats, maxPayments: this.#opts.maxPayments })
      .filter((p) => this.#opts.payable(p.account));
    if (payments.length === 0) return;
    // Unique beyond this log (one wallet may serve several pools, or a log that was reset): the
    // id is fixed here, logged with the plan, and every retry reuses it from the log.
    const id = `${this.#opts.cluster}:${this.#opts.coin}:${this.#ledger.lastApplied()}:${randomBytes(6).toString('hex')}`;
    const planned: PayoutPlannedRecord = {
      type: 'payout.planned',
      v: LOG_RECORD_VERSION,
      id,
      coin: this.#opts.coin,
      payments,
      atMs: Date.now(),
    };
    const seq = await this.#appender.appendRecord('payouts', planned);
    await this.#ledger.waitApplied(seq);
    await this.#settle(id, payments);
  }

  /** 'unreachable': the wallet could not be asked (the payout stays planned). */
  async #settle(
    id: string,
    payments: readonly CoinbasePayment[],
  ): Promise<'sent' | 'failed' | 'unreachable'> {
    let txid: string | null;
    try {
      txid = await this.#findSent(id);
      if (txid === null) {
        const amounts: Record<string, string> = {};
        // Two names paid to one address get one output (sendmany takes each address once).
        const sats = new Map<string, bigint>();
        for (const p of payments) {
          const to = this.#opts.addressOf?.(p.account) ?? p.account;
          sats.set(to, (sats.get(to) ?? 0n) + p.sats);
        }
        for (const [to, v] of sats) amounts[to] = btcString(v);
        txid = await this.#wallet.call<string>(
          'sendmany',
          ['', amounts, 1, payoutComment(id)],
          this.#opts.rpcTimeoutMs,
        );
      }
    } catch (err) {
      if (hasCode(err, 'RPC_TIMEOUT') || hasCode(err, 'RPC_UNREACHABLE')) {
        this.#log.warn({ err, payout: id }, 'wallet unreachable; payout stays planned');
        return 'unreachable';
      }
      this.#log.error({ err, payout: id }, 'wallet refused the payout; balances are credited back');
      await this.#result(id, 'payout.failed', null, (err as Error).message);
      return 'failed';
    }
    await this.#result(id, 'payout.sent', txid, null);
    this.#log.info({ payout: id, txid, payments: payments.length }, 'payout sent');
    return 'sent';
  }

  async #findSent(id: string): Promise<string | null> {
    const list = await this.#wallet.call<{ txid?: string; comment?: string; category?: string }[]>(
      'listtransactions',
      ['*', 1000, 0],
      this.#opts.rpcTimeoutMs,
    );
    const comment = payoutComment(id);
    const hit = (Array.isArray(list) ? list : []).find(
      (t) => t.category === 'send' && t.comment === comment && typeof t.txid === 'string',
    );
    return hit?.txid ?? null;
  }

  async #result(
    payout: string,
    type: PayoutResultRecord['type'],
    txid: string | null,
    reason: string | null,
  ): Promise<void> {
    const record: PayoutResultRecord = {
      type,
      v: LOG_RECORD_VERSION,
      id: `${payout}:result`,
      coin: this.#opts.coin,
      payout,
      txid,
      reason,
      atMs: Date.now(),
    };
    const seq = await this.#appender.appendRecord('payouts', record);
    await this.#ledger.waitApplied(seq);
  }
}
