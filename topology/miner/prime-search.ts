// The prime miner's search (docs/primecoin-stratum.md): roll nonces until the header hash H is
// at least 2^255, sieve the multiplier M = p#·k over k (prime-sieve.ts) for the chain length it
// targets, test the survivors with the native chain test in chunks, normalize (halve M while
// O/2 gives a longer chain, as consensus requires) and report every chain that meets the share
// target, with its type. One header per step, then one chunk of candidates per step.
import { bytesToHex, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import { encodeMultiplier, type ChainWords } from '../../native/index.js';
import { primorial, sieveCandidates } from './prime-sieve.js';
import { IDLE, type SearchEvents, type SearchLoop, type SearchSlice } from './search-loop.js';
import { extranonce2Hex, headerOf, hex32, type NotifiedWork } from './stratum-wire.js';

export interface PrimeWork {
  readonly job: NotifiedWork;
  readonly extranonce1: Uint8Array;
  readonly extranonce2Size: number;
  /** The first extranonce2 of this job's slices. */
  readonly en2Start: number;
  /** The share target as a chain length word (`length << 24 | fraction`). */
  readonly shareTarget: number;
}

/** A chain at or above the share target, ready for mining.submit. */
export interface PrimeFound {
  readonly jobId: string;
  readonly extranonce2: string;
  readonly ntime: string;
  readonly nonce: string;
  /** The normalized multiplier, CBigNum bytes as hex. */
  readonly multiplier: string;
  readonly type: ChainType;
  /** The chain's length word. */
  readonly word: number;
  /** The chain also meets the block target (nbits). */
  readonly block: boolean;
}

export interface PrimeSearchOptions {
  /** Chain members sieved; default: the block target's integer length. */
  readonly sieveDepth?: number;
  /** k range per header (default 20 000) and sieve primes (default 2 000). */
  readonly sieveSize?: number;
  readonly sievePrimes?: number;
}

type ChainType = '1CC' | '2CC' | 'TWN';
type PrimeChain = (origin: bigint) => ChainWords;

/** One header's search: its nonce, H·p#, the sieve's survivors (tested up to `at`), chains found. */
interface HeaderSearch {
  readonly nonce: number;
  readonly base: bigint;
  readonly ks: number[];
  at: number;
  readonly found: Set<bigint>;
}

const PRIMORIAL_PRIMES = 9; // 23#, as the mainnet genesis multiplier
const LIMIT = 1n << 255n;
const CHUNK = 256;
const TYPES = ['1CC', '2CC', 'TWN'] as const;
const NONCES = 0x1_0000_0000;

function best(w: ChainWords): { word: number; type: ChainType } {
  const words = [w.cunningham1, w.cunningham2, w.biTwin];
  let i = 0;
  for (let j = 1; j < 3; j++) if (words[j]! > words[i]!) i = j;
  return { word: words[i]!, type: TYPES[i]! };
}

export class PrimeSearch implements SearchLoop<PrimeWork> {
  readonly #primeChain: PrimeChain;
  readonly #slice: SearchSlice;
  readonly #o: PrimeSearchOptions;
  readonly #events: SearchEvents<PrimeFound>;
  readonly #fixed = primorial(PRIMORIAL_PRIMES);
  #work: PrimeWork | null = null;
  #en2 = -1;
  #nonce = 0;
  /** The header being searched (its chains remembered: k and 2k can normalize alike). */
  #header: HeaderSearch | null = null;

  constructor(
    primeChain: PrimeChain,
    slice: SearchSlice,
    options: PrimeSearchOptions,
    events: SearchEvents<PrimeFound>,
  ) {
    this.#primeChain = primeChain;
    this.#slice = slice;
    this.#o = options;
    this.#events = events;
  }

  setWork(work: PrimeWork | null): void {
    const old = this.#work;
    this.#work = work;
    if (work !== null && old?.job.id === work.job.id && old.en2Start === work.en2Start) return;
    this.#en2 = -1;
    this.#header = null;
  }

  step(): number {
    const work = this.#work;
    if (work === null) return IDLE;
    const h = this.#header;
    if (h === null || h.at >= h.ks.length) {
      this.#nextHeader(work);
      return 0;
    }
    const chunk = h.ks.slice(h.at, h.at + CHUNK);
    h.at += chunk.length;
    for (const k of chunk) this.#test(work, h, k);
    this.#events.progress(chunk.length);
    return chunk.length;
  }

  /** Hashes the next header; sieves it when H ≥ 2^255. */
  #nextHeader(work: PrimeWork): void {
    if (this.#en2 < 0 || this.#nonce >= NONCES) {
      this.#en2 =
        this.#en2 < 0 ? work.en2Start + this.#slice.index : this.#en2 + this.#slice.stride;
      this.#nonce = 0;
      this.#events.extranonce2(this.#en2);
    }
    const nonce = this.#nonce++;
    const en2 = hexToBytes(extranonce2Hex(this.#en2, work.extranonce2Size));
    const hashBytes = sha256d(headerOf(work.job, work.extranonce1, en2, nonce));
    const hash = BigInt(`0x${bytesToHex(reverseBytes(hashBytes))}`);
    if (hash < LIMIT) {
      this.#header = null;
      return;
    }
    const ks = sieveCandidates(hash, {
      primorialPrimes: PRIMORIAL_PRIMES,
      sievePrimes: this.#o.sievePrimes ?? 2000,
      depth: this.#o.sieveDepth ?? Math.max(1, work.job.nbits >>> 24),
      size: this.#o.sieveSize ?? 20_000,
    });
    this.#header = { nonce, base: hash * this.#fixed, ks, at: 0, found: new Set() };
  }

  #test(work: PrimeWork, h: HeaderSearch, k: number): void {
    let multiplier = this.#fixed * BigInt(k);
    let origin = h.base * BigInt(k);
    let found = best(this.#primeChain(origin));
    if (found.word < work.shareTarget) return;
    // Normalization (primecoin.md §6.8): while M is even and O/2 has a longer chain, halve.
    while (multiplier % 2n === 0n && origin % 4n === 0n) {
      const half = best(this.#primeChain(origin / 2n));
      if (half.word <= found.word) break;
      multiplier /= 2n;
      origin /= 2n;
      found = half;
    }
    if (h.found.has(multiplier)) return;
    h.found.add(multiplier);
    this.#events.found({
      jobId: work.job.id,
      extranonce2: extranonce2Hex(this.#en2, work.extranonce2Size),
      ntime: hex32(work.job.ntime),
      nonce: hex32(h.nonce),
      multiplier: bytesToHex(encodeMultiplier(multiplier)),
      type: found.type,
      word: found.word,
      block: found.word >= work.job.nbits,
    });
  }
}
