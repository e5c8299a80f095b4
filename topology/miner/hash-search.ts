// The hash miner's search (SHA256d, Bitcoin-style): batches of headers that differ only in
// the nonce, hashed in one native call (hashHeaders), each hash compared with the share target
// on its top 32 bits first and as a 256-bit integer only when those tie. Every 2^32 nonces the
// searcher moves to its next extranonce2 (search.ts explains the slices).
import { bytesToHex, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { targetFromBits } from '../../actors/shared/target.js';
import { IDLE, type SearchEvents, type SearchLoop, type SearchSlice } from './search-loop.js';
import { extranonce2Hex, headerOf, hex32, type NotifiedWork } from './stratum-wire.js';

export interface HashWork {
  readonly job: NotifiedWork;
  readonly extranonce1: Uint8Array;
  readonly extranonce2Size: number;
  /** The first extranonce2 of this job's slices. */
  readonly en2Start: number;
  /** The share target (0n: none yet, idle). */
  readonly target: bigint;
  /** Negotiated version-rolling mask: submits then carry the version bits (0: none). */
  readonly versionMask: number;
}

/** A hash under the share target, ready for mining.submit. */
export interface HashFound {
  readonly jobId: string;
  readonly extranonce2: string;
  readonly ntime: string;
  readonly nonce: string;
  /** The version bits, when version rolling was negotiated. */
  readonly version: string | undefined;
  /** Display order. */
  readonly hash: string;
  /** The hash also meets the block target (nbits). */
  readonly block: boolean;
}

export interface HashSearchOptions {
  /** Nonces hashed per step (default 4096). */
  readonly batchSize?: number;
}

const NONCES = 0x1_0000_0000;

export class HashSearch implements SearchLoop<HashWork> {
  readonly #hashHeaders: (headers: Uint8Array) => Uint8Array;
  readonly #slice: SearchSlice;
  readonly #events: SearchEvents<HashFound>;
  readonly #batch: number;
  readonly #headers: Uint8Array;
  readonly #view: DataView;
  #work: HashWork | null = null;
  #blockTarget = -1n;
  /** The extranonce2 being searched (-1: none yet for this work) and the next nonce. */
  #en2 = -1;
  #nonce = 0;

  constructor(
    hashHeaders: (headers: Uint8Array) => Uint8Array,
    slice: SearchSlice,
    options: HashSearchOptions,
    events: SearchEvents<HashFound>,
  ) {
    this.#hashHeaders = hashHeaders;
    this.#slice = slice;
    this.#events = events;
    this.#batch = options.batchSize ?? 4096;
    this.#headers = new Uint8Array(80 * this.#batch);
    this.#view = new DataView(this.#headers.buffer);
  }

  setWork(work: HashWork | null): void {
    const old = this.#work;
    this.#work = work;
    if (work === null) return;
    if (old?.job.id === work.job.id && old.en2Start === work.en2Start) return; // a new target only
    this.#en2 = -1;
    try {
      this.#blockTarget = targetFromBits(work.job.nbits);
    } catch {
      this.#blockTarget = -1n; // nbits that encode no target: no hash is a block
    }
  }

  step(): number {
    const work = this.#work;
    if (work === null || work.target === 0n) return IDLE;
    if (this.#en2 < 0 || this.#nonce >= NONCES) {
      this.#en2 =
        this.#en2 < 0 ? work.en2Start + this.#slice.index : this.#en2 + this.#slice.stride;
      this.#nonce = 0;
      this.#fill(work);
      this.#events.extranonce2(this.#en2);
    }
    const batch = this.#batch;
    const view = this.#view;
    for (let i = 0; i < batch; i++) view.setUint32(i * 80 + 76, this.#nonce + i, true);
    const hashes = this.#hashHeaders(this.#headers);
    this.#check(hashes, work);
    this.#nonce += batch;
    this.#events.progress(batch);
    return batch;
  }

  /** Writes the header template for (work, en2) into every slot of the batch. */
  #fill(work: HashWork): void {
    const en2 = hexToBytes(extranonce2Hex(this.#en2, work.extranonce2Size));
    const template = headerOf(work.job, work.extranonce1, en2, 0); // nonces go in per slot
    for (let i = 0; i < this.#batch; i++) this.#headers.set(template, i * 80);
  }

  #check(hashes: Uint8Array, work: HashWork): void {
    const target = work.target;
    const top = Number(target >> 224n); // most significant 32 bits of the target
    const hv = new DataView(hashes.buffer, hashes.byteOffset, hashes.byteLength);
    for (let i = 0; i < this.#batch; i++) {
      const hashTop = hv.getUint32(i * 32 + 28, true);
      if (hashTop > top) continue;
      const display = bytesToHex(reverseBytes(hashes.subarray(i * 32, i * 32 + 32)));
      const value = BigInt(`0x${display}`);
      if (value > target) continue;
      const version = this.#view.getUint32(0, true);
      this.#events.found({
        jobId: work.job.id,
        extranonce2: extranonce2Hex(this.#en2, work.extranonce2Size),
        ntime: hex32(work.job.ntime),
        nonce: hex32(this.#nonce + i),
        version: work.versionMask ? hex32((version & work.versionMask) >>> 0) : undefined,
        hash: display,
        block: value <= this.#blockTarget,
      });
    }
  }
}
