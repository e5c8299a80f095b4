// The payable balances of a pool node that keeps no ledger replica (--ledger off): the Ledger
// actor (on a `colliery ledger run` node, or any node with a replica) is asked every
// `refreshMs`, and after each block this node finds, for what the coinbase split needs; the
// last answer is kept, so the Job actor builds each job at once from it. Until the first answer,
// or while the Ledger actor does not answer, the coinbase pays the pool alone: balances stay in
// the ledger and are paid by a later block (nothing is paid twice, nothing is lost).
import type { Logger } from 'pino';
import type { CoinbasePayment } from '../shared/log-records.js';
import type { LedgerCoinbase, LedgerMessage } from './actor.js';
import type { PayableSource } from './payout-outputs.js';

export class PayablesFromAfar implements PayableSource {
  readonly #ask: (msg: LedgerMessage) => Promise<LedgerCoinbase>;
  readonly #log: Logger;
  readonly #refreshMs: number;
  #payable: readonly CoinbasePayment[] = [];
  #applied = new Set<string>();
  #lastApplied = 0;
  #timer: NodeJS.Timeout | null = null;
  #asking: Promise<void> | null = null;
  #failing = false;
  #opts: { maxOutputs: number; minPayoutSats: bigint };

  constructor(
    ask: (msg: LedgerMessage) => Promise<LedgerCoinbase>,
    opts: { maxOutputs: number; minPayoutSats: bigint; refreshMs: number },
    log: Logger,
  ) {
    this.#ask = ask;
    this.#opts = { maxOutputs: opts.maxOutputs, minPayoutSats: opts.minPayoutSats };
    this.#refreshMs = opts.refreshMs;
    this.#log = log.child({ component: 'payables-afar' });
  }

  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Asks the Ledger actor now (one ask at a time); keeps the last answer when it fails. */
  refresh(): Promise<void> {
    this.#asking ??= this.#ask({ type: 'ledger.coinbase', ...this.#opts })
      .then((a) => {
        // A stand-by leader behind the last answer's position would hand back older balances.
        if (a.lastApplied < this.#lastApplied) return;
        this.#lastApplied = a.lastApplied;
        this.#payable = a.payable;
        this.#applied = new Set(a.applied);
        if (this.#failing) this.#log.warn('the Ledger actor answers again: coinbases pay miners');
        this.#failing = false;
      })
      .catch((err: unknown) => {
        if (!this.#failing)
          this.#log.warn(
            { err },
            'the Ledger actor did not answer for payable balances; coinbases keep the last answer',
          );
        this.#failing = true;
      })
      .finally(() => (this.#asking = null));
    return this.#asking;
  }

  applied(hash: string): boolean {
    return this.#applied.has(hash);
  }

  coinbaseOutputs(): CoinbasePayment[] {
    return [...this.#payable];
  }
}
