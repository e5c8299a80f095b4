// The devnet's chain: blocks by hash, the active chain, a mempool of synthetic transactions,
// block templates (BIP22/23/145 fields as Bitcoin Core sends them), block submission with
// Core's reasons, forks and reorganisations (most work = longest, fixed difficulty here),
// invalidateblock, and generatetoaddress for tests. Time is injected.
import { bytesToHex, concatBytes, reverseBytes } from '../../actors/shared/hex.js';
import { merkleRoot } from '../../actors/shared/merkle.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import type { NetworkParams } from '../../actors/shared/network.js';
import { blockSubsidySats } from '../../actors/shared/network.js';
import type { ParsedTransaction } from '../../actors/shared/transaction.js';
import { difficultyFromBits, targetFromBits } from '../../actors/shared/target.js';
import type { ParsedBlock, PowRules } from './block.js';
import { checkBlock, parseBlock } from './block.js';
import type { SyntheticTx } from './synthetic.js';
import { makeSyntheticTxs } from './synthetic.js';

export interface DevChainOptions {
  readonly network: NetworkParams;
  readonly chainName: string; // what getblockchaininfo reports, e.g. "regtest"
  readonly bits: number; // fixed difficulty
  readonly pow: PowRules;
  readonly segwit: boolean;
  readonly txsPerBlock: number;
  readonly nowSec: () => number;
  readonly seed: number;
  /** Serialized genesis block (its own PoW is not checked). */
  readonly genesis: Uint8Array;
  /** Family rules beyond proof of work (default: Bitcoin's, HASH_CHAIN_RULES). */
  readonly rules?: DevChainRules;
}

/** What a chain family decides besides proof of work: reward, output floor, versions. */
export interface DevChainRules {
  /** The block subsidy (before fees) at a height and nBits. */
  subsidySats(height: number, bits: number): bigint;
  /** Every output of every transaction must pay at least this (prime: MIN_TXOUT_AMOUNT). */
  readonly minOutputSats: bigint;
  /** Template version, and the lowest version a block may have. */
  readonly version: number;
  readonly minVersion: number;
  /** getdifficulty's number for nBits. */
  difficulty(bits: number): number;
  /** Whether templates carry a hash `target` (meaningless for prime coins). */
  readonly hashTarget: boolean;
}

export function hashChainRules(network: NetworkParams): DevChainRules {
  return {
    subsidySats: (height) => blockSubsidySats(height, network),
    minOutputSats: 0n,
    version: 0x20000000,
    minVersion: 4,
    difficulty: difficultyFromBits,
    hashTarget: true,
  };
}

export interface StoredBlock {
  readonly block: ParsedBlock;
  readonly hashHex: string; // display order
  readonly height: number;
  readonly raw: Uint8Array;
  invalid: boolean;
}

export class DevChain {
  readonly options: DevChainOptions;
  readonly #blocks = new Map<string, StoredBlock>();
  #active: StoredBlock[] = [];
  /** Every synthetic transaction ever offered, by txid (display hex). */
  #known = new Map<string, SyntheticTx>();
  /** Offered and not yet in the active chain. */
  #mempool = new Map<string, SyntheticTx>();
  /** Non-coinbase txids in the active chain. */
  #spent = new Set<string>();
  #mempoolSeq = 0;
  #tipListeners: (() => void)[] = [];

  readonly rules: DevChainRules;

  constructor(options: DevChainOptions) {
    this.options = options;
    this.rules = options.rules ?? hashChainRules(options.network);
    const genesis = parseBlock(options.genesis, options.pow);
    const stored = {
      block: genesis,
      hashHex: bytesToHex(reverseBytes(genesis.hash)),
      height: 0,
      raw: options.genesis,
      invalid: false,
    };
    this.#blocks.set(stored.hashHex, stored);
    this.#active = [stored];
    this.#refillMempool();
  }

  get tip(): StoredBlock {
    return this.#active[this.#active.length - 1] as StoredBlock;
  }

  get height(): number {
    return this.tip.height;
  }

  blockByHash(hashHex: string): StoredBlock | undefined {
    return this.#blocks.get(hashHex);
  }

  blockAt(height: number): StoredBlock | undefined {
    return this.#active[height];
  }

  isActive(b: StoredBlock): boolean {
    return this.#active[b.height] === b;
  }

  /** Resolves when the tip changes (longpoll). */
  onTipChange(listener: () => void): () => void {
    this.#tipListeners.push(listener);
    return () => {
      this.#tipListeners = this.#tipListeners.filter((l) => l !== listener);
    };
  }

  medianTimePast(height = this.height): number {
    const times = this.#active.slice(Math.max(0, height - 10), height + 1).map((b) => b.block.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? 0;
  }

  get longpollId(): string {
    return `${this.tip.hashHex}${this.#mempoolSeq}`;
  }

  /** getblocktemplate's reply for the current tip. */
  template(): Record<string, unknown> {
    const height = this.height + 1;
    const txs = [...this.#mempool.values()];
    const fees = txs.reduce((n, t) => n + t.feeSats, 0n);
    const mtp = this.medianTimePast();
    const out: Record<string, unknown> = {
      capabilities: ['proposal'],
      version: this.rules.version,
      rules: this.options.segwit ? ['csv', '!segwit', 'taproot'] : ['csv'],
      vbavailable: {},
      vbrequired: 0,
      previousblockhash: this.tip.hashHex,
      transactions: txs.map((t) => ({
        data: bytesToHex(t.tx.raw),
        txid: bytesToHex(reverseBytes(t.tx.txid)),
        hash: bytesToHex(reverseBytes(t.tx.wtxid)),
        depends: [],
        fee: Number(t.feeSats),
        sigops: 1,
        weight: t.tx.stripped.length * 3 + t.tx.raw.length,
      })),
      coinbaseaux: {},
      coinbasevalue: Number(this.rules.subsidySats(height, this.options.bits) + fees),
      longpollid: this.longpollId,
      mintime: mtp + 1,
      mutable: ['time', 'transactions', 'prevblock'],
      noncerange: '00000000ffffffff',
      sigoplimit: 80000,
      sizelimit: 4000000,
      weightlimit: 4000000,
      curtime: Math.max(this.options.nowSec(), mtp + 1),
      bits: this.options.bits.toString(16).padStart(8, '0'),
      height,
    };
    if (this.rules.hashTarget)
      out.target = targetFromBits(this.options.bits).toString(16).padStart(64, '0');
    if (this.options.segwit) {
      const root = merkleRoot([new Uint8Array(32), ...txs.map((t) => t.tx.wtxid)]);
      const commitment = sha256d(concatBytes(root, new Uint8Array(32)));
      out.default_witness_commitment = `6a24aa21a9ed${bytesToHex(commitment)}`;
    }
    return out;
  }

  /**
   * `n` more transactions reach the mempool between blocks, as on a real coin node, whose
   * template changes with its mempool: the next getblocktemplate on this tip has more
   * transactions and fees (and a new longpollid).
   */
  addMempoolTransactions(n: number): void {
    this.#mempoolSeq++;
    const txs = makeSyntheticTxs(
      n,
      this.options.seed + this.#mempoolSeq * 7919,
      this.options.segwit,
      this.rules.minOutputSats,
    );
    for (const t of txs) {
      const key = bytesToHex(reverseBytes(t.tx.txid));
      this.#known.set(key, t);
      this.#mempool.set(key, t);
    }
  }

  get mempoolSize(): number {
    return this.#mempool.size;
  }

  /** getblocktemplate mode "proposal": every check but proof of work; nothing is stored. */
  propose(raw: Uint8Array): string | null {
    return this.#judge(raw, false);
  }

  /** submitblock: null when accepted onto the active chain, else Core's result string. */
  submit(raw: Uint8Array): string | null {
    return this.#judge(raw, true);
  }

  #judge(raw: Uint8Array, store: boolean): string | null {
    let block: ParsedBlock;
    try {
      block = parseBlock(raw, this.options.pow);
    } catch (e) {
      throw Object.assign(new Error(`Block decode failed: ${(e as Error).message}`), {
        rpcCode: -22,
      });
    }
    const hashHex = bytesToHex(reverseBytes(block.hash));
    const known = this.#blocks.get(hashHex);
    if (known && store) return known.invalid ? 'duplicate-invalid' : 'duplicate';
    const parent = this.#blocks.get(bytesToHex(reverseBytes(block.prevHash)));
    if (!parent) return 'prev-blk-not-found';
    if (parent.invalid) return 'bad-prevblk';
    const height = parent.height + 1;
    const onActive = this.isActive(parent);
    const reason = checkBlock(
      block,
      {
        height,
        expectedBits: this.options.bits,
        medianTimePast: onActive ? this.medianTimePast(parent.height) : 0,
        nowSec: this.options.nowSec(),
        subsidySats: this.rules.subsidySats(height, block.bits),
        minVersion: this.rules.minVersion,
        minOutputSats: this.rules.minOutputSats,
        segwit: this.options.segwit,
        feesOf: (txs) => this.#feesOf(txs, onActive && parent === this.tip),
      },
      store ? this.options.pow : { ...this.options.pow, checkPow: () => null },
    );
    if (reason || !store) return reason;
    const stored: StoredBlock = { block, hashHex, height, raw, invalid: false };
    this.#blocks.set(hashHex, stored);
    if (height > this.height) {
      this.#activate(stored);
      return null;
    }
    return 'inconclusive';
  }

  /** invalidateblock: the block and its descendants leave the active chain. */
  invalidate(hashHex: string): boolean {
    const b = this.#blocks.get(hashHex);
    if (!b || b.height === 0) return false;
    b.invalid = true;
    if (this.isActive(b)) {
      this.#active = this.#active.slice(0, b.height);
      this.#afterTipChange();
    }
    return true;
  }

  #feesOf(txs: readonly ParsedTransaction[], extendsTip: boolean): bigint | string {
    let fees = 0n;
    for (const t of txs) {
      const key = bytesToHex(reverseBytes(t.txid));
      const known = this.#known.get(key);
      if (!known || (extendsTip && this.#spent.has(key))) return 'bad-txns-inputs-missingorspent';
      fees += known.feeSats;
    }
    return fees;
  }

  #activate(stored: StoredBlock): void {
    const branch: StoredBlock[] = [];
    let cursor: StoredBlock | undefined = stored;
    while (cursor && !this.isActive(cursor)) {
      branch.unshift(cursor);
      cursor = this.#blocks.get(bytesToHex(reverseBytes(cursor.block.prevHash)));
    }
    if (!cursor) return;
    this.#active = [...this.#active.slice(0, cursor.height + 1), ...branch];
    this.#afterTipChange();
  }

  /** Side-chain blocks are checked against known transactions only (a devnet simplification). */
  #afterTipChange(): void {
    this.#spent = new Set(
      this.#active.flatMap((b) =>
        b.block.txs.slice(1).map((t) => bytesToHex(reverseBytes(t.txid))),
      ),
    );
    for (const key of this.#spent) this.#mempool.delete(key);
    for (const [key, t] of this.#known) {
      if (this.#mempool.size >= this.options.txsPerBlock) break;
      if (!this.#spent.has(key)) this.#mempool.set(key, t);
    }
    this.#refillMempool();
    for (const l of this.#tipListeners.splice(0)) l();
  }

  #refillMempool(): void {
    const need = this.options.txsPerBlock - this.#mempool.size;
    if (need > 0) this.addMempoolTransactions(need);
  }

  difficulty(): number {
    return this.rules.difficulty(this.options.bits);
  }
}
