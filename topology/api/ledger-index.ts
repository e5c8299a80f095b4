// What the API derives from the ledger's blocks and payouts, kept between requests so no
// answer scans accounts: the blocks in log order, what each block's bill says once (finder,
// method, coinbase outputs, the accounts it has a line for), the payments (coinbase outputs of
// blocks not orphaned, custodial payouts sent) newest first, by account, and their totals.
//
// Bills never change once written and blocks only gain status, so each bill is read once: on
// a request after its block appears. The index is rebuilt (cheaply, from what it holds) when
// the blocks or payouts change: their count, the newest block, the latest block status and
// the payouts settled (a fingerprint of O(blocks + payouts), never of accounts).
import type { BlockBill, BlockSummary, LedgerStore } from '../../actors/ledger/index.js';

/** One payment to an account, as Miningcore lists payments. */
export interface PaymentRow {
  readonly account: string;
  readonly sats: bigint;
  /** A coinbase output of a pool block (non-custodial or SOLO), or a custodial payout. */
  readonly kind: 'coinbase' | 'payout';
  /** The block's hash (coinbase) or the payout's id. */
  readonly ref: string;
  /** The payout's transaction (null for coinbase outputs: the block's hash is `ref`). */
  readonly txid: string | null;
  /** Log sequence of the block.found or payout.planned record. */
  readonly seq: number;
}

/** What the API needs of a block's bill, read once. */
export interface BlockFacts {
  readonly finder: BlockBill['finder'] | null;
  readonly method: BlockBill['method'] | null;
  readonly targetWeight: bigint;
  readonly coinbasePaid: BlockBill['coinbasePaid'];
}

const RESERVED = '@';
/** Bills read between yields to the event loop while indexing (a bill may hold 100k lines). */
const BILLS_PER_TURN = 4;
const BILL_CACHE = 16;

export class LedgerIndex {
  /** Blocks in log order (oldest first): the ordinal of a block is its place here. */
  #blocks: BlockSummary[] = [];
  readonly #facts: BlockFacts[] = [];
  /** Ordinals of the blocks whose bill has a line for the account, oldest first. */
  readonly #accountBlocks = new Map<string, number[]>();
  #payments: PaymentRow[] = [];
  #byAccount = new Map<string, PaymentRow[]>();
  #totalPaid = 0n;
  #ordinals = new Map<string, number>();
  /** The latest bills read for pages of bill lines (a bill may hold 100k lines). */
  readonly #bills = new Map<string, BlockBill>();
  #fingerprint = '';
  #refreshing: Promise<void> | null = null;
  readonly #store: LedgerStore;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  /** Brings the index up to the store's blocks and payouts. */
  async refresh(): Promise<void> {
    while (this.#refreshing) await this.#refreshing;
    const blocks = this.#store.blocks();
    const payouts = this.#store.payouts();
    const fp = fingerprint(blocks, payouts);
    if (fp === this.#fingerprint) return;
    const run = this.#rebuild(blocks, payouts, fp);
    this.#refreshing = run;
    try {
      await run;
    } finally {
      this.#refreshing = null;
    }
  }

  async #rebuild(
    blocks: BlockSummary[],
    payouts: ReturnType<LedgerStore['payouts']>,
    fp: string,
  ): Promise<void> {
    let read = 0;
    for (let i = this.#facts.length; i < blocks.length; i++) {
      if (read > 0 && read % BILLS_PER_TURN === 0)
        await new Promise<void>((resolve) => setImmediate(resolve));
      this.#readBill(i, blocks[i] as BlockSummary);
      read++;
    }
    this.#blocks = blocks;
    this.#ordinals = new Map(blocks.map((b, i) => [b.hash, i]));
    const payments: PaymentRow[] = [];
    blocks.forEach((b, i) => {
      if (b.status === 'orphaned') return;
      for (const p of this.#facts[i]?.coinbasePaid ?? []) {
        payments.push({ ...cb(p), ref: b.hash, seq: b.seq });
      }
    });
    for (const p of payouts) {
      if (p.status !== 'sent') continue;
      for (const pay of p.payments) {
        payments.push({
          account: pay.account,
          sats: pay.sats,
          kind: 'payout',
          ref: p.id,
          txid: p.txid,
          seq: p.seq,
        });
      }
    }
    payments.sort((a, b) => b.seq - a.seq || (a.account < b.account ? -1 : 1));
    const byAccount = new Map<string, PaymentRow[]>();
    let total = 0n;
    for (const p of payments) {
      total += p.sats;
      const list = byAccount.get(p.account);
      if (list) list.push(p);
      else byAccount.set(p.account, [p]);
    }
    this.#payments = payments;
    this.#byAccount = byAccount;
    this.#totalPaid = total;
    this.#fingerprint = fp;
  }

  #readBill(ordinal: number, block: BlockSummary): void {
    const bill = this.#store.bill(block.hash);
    this.#facts[ordinal] = {
      finder: bill?.finder ?? null,
      method: bill?.method ?? null,
      targetWeight: bill?.targetWeight ?? 0n,
      coinbasePaid: bill?.coinbasePaid ?? [],
    };
    for (const line of bill?.lines ?? []) {
      if (line.account.startsWith(RESERVED)) continue;
      const list = this.#accountBlocks.get(line.account);
      if (list) list.push(ordinal);
      else this.#accountBlocks.set(line.account, [ordinal]);
    }
  }

  /** Blocks in log order, oldest first. */
  blocks(): readonly BlockSummary[] {
    return this.#blocks;
  }

  /** The block's place in blocks(), or undefined. */
  ordinalOf(hash: string): number | undefined {
    return this.#ordinals.get(hash);
  }

  /** The block's bill, from a small cache of the latest read. */
  bill(hash: string): BlockBill | undefined {
    const hit = this.#bills.get(hash);
    if (hit !== undefined) {
      this.#bills.delete(hash);
      this.#bills.set(hash, hit);
      return hit;
    }
    const bill = this.#store.bill(hash);
    if (bill === undefined) return undefined;
    this.#bills.set(hash, bill);
    if (this.#bills.size > BILL_CACHE)
      this.#bills.delete(this.#bills.keys().next().value as string);
    return bill;
  }

  facts(ordinal: number): BlockFacts | undefined {
    return this.#facts[ordinal];
  }

  /** Ordinals of the blocks whose bill has a line for `account`, oldest first. */
  blocksOf(account: string): readonly number[] {
    const all = this.#accountBlocks.get(account) ?? [];
    // Lines of bills read by a rebuild still running belong to blocks not yet listed.
    let end = all.length;
    while (end > 0 && (all[end - 1] as number) >= this.#blocks.length) end--;
    return end === all.length ? all : all.slice(0, end);
  }

  /** Every payment, newest first. */
  payments(): readonly PaymentRow[] {
    return this.#payments;
  }

  /** The account's payments, newest first. */
  paymentsOf(account: string): readonly PaymentRow[] {
    return this.#byAccount.get(account) ?? [];
  }

  totalPaidSats(): bigint {
    return this.#totalPaid;
  }
}

function cb(p: { account: string; sats: bigint }): Omit<PaymentRow, 'ref' | 'seq'> {
  return { account: p.account, sats: p.sats, kind: 'coinbase', txid: null };
}

function fingerprint(
  blocks: readonly BlockSummary[],
  payouts: ReturnType<LedgerStore['payouts']>,
): string {
  let statusSeq = 0;
  for (const b of blocks)
    if (b.statusSeq !== null && b.statusSeq > statusSeq) statusSeq = b.statusSeq;
  let settled = 0;
  for (const p of payouts) if (p.status !== 'pending') settled++;
  return `${blocks.length}:${blocks.at(-1)?.seq ?? 0}:${statusSeq}:${payouts.length}:${settled}`;
}

const indexes = new WeakMap<LedgerStore, LedgerIndex>();

/** The index of `store` (one per store, kept between requests), brought up to date. */
export async function ledgerIndex(store: LedgerStore): Promise<LedgerIndex> {
  let index = indexes.get(store);
  if (index === undefined) {
    index = new LedgerIndex(store);
    indexes.set(store, index);
  }
  await index.refresh();
  return index;
}
