// Colliery's prime miner: speaks the prime Stratum dialect (docs/primecoin-stratum.md; the
// Stratum half in miner-client.ts), searches with prime-search.ts (sieve over p#·k, native
// chain tests, normalization) and submits every chain that meets the connection's share
// target, claiming its chain type. The search runs in this thread (`colliery demo`, the tests)
// or in `threads` worker threads (`colliery miner`). `sieveDepth` defaults to the block
// target's length (what the pool asks); a lower value makes a miner that targets shorter
// chains, for tests.
import { primeChain } from '../../native/index.js';
import { emptySubmitStats, type SubmitStats } from './miner-client.js';
import {
  PrimeSearch,
  type PrimeFound,
  type PrimeSearchOptions,
  type PrimeWork,
} from './prime-search.js';
import type { WireTls } from './stratum-wire.js';
import { searchInThread, searchInThreads, type SearchEvents, type Searcher } from './search.js';
import { SearchingMiner } from './searching-miner.js';
import type { NotifiedWork } from './stratum-wire.js';

export interface PrimeMinerOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** Chain members sieved; default: the block target's integer length. */
  sieveDepth?: number;
  /** Candidates (chain tests) per second; unlimited when absent. */
  maxCandidatesPerSec?: number;
  /** k range per header (default 20 000) and sieve primes (default 2 000). */
  sieveSize?: number;
  sievePrimes?: number;
  /** Search in this many worker threads; absent: in this thread. */
  threads?: number;
  /** Reconnect with backoff when the pool cannot be reached or goes away (miner-client.ts). */
  persistent?: boolean;
  /** Stratum over TLS (miner-client.ts). */
  tls?: WireTls;
}

export interface PrimeMinerStats extends SubmitStats {
  /** Chain tests run. */
  candidates: number;
  /** Submitted chains by integer length. */
  byLength: Record<number, number>;
}

export class PrimeStratumMiner extends SearchingMiner<PrimeWork, PrimeFound> {
  readonly #o: PrimeMinerOptions;
  readonly stats: PrimeMinerStats = { candidates: 0, byLength: {}, ...emptySubmitStats() };
  /** The last mining.set_difficulty as a length word (used when a notify carries none). */
  #shareTarget = 0;

  constructor(options: PrimeMinerOptions) {
    super(
      {
        host: options.host,
        port: options.port,
        username: options.username,
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.persistent !== undefined ? { persistent: options.persistent } : {}),
        ...(options.tls !== undefined ? { tls: options.tls } : {}),
      },
      'colliery-prime-miner/0.1',
    );
    this.#o = options;
  }

  /** The current share target as a chain length word (`length << 24 | fraction`; 0: none yet). */
  get shareTarget(): number {
    return this.work?.shareTarget ?? this.#shareTarget;
  }

  protected get threads(): number {
    return this.#o.threads ?? 1;
  }

  protected searcher(events: SearchEvents<PrimeFound>): Searcher<PrimeWork> {
    const o = this.#o;
    const options: PrimeSearchOptions = {
      ...(o.sieveDepth !== undefined ? { sieveDepth: o.sieveDepth } : {}),
      ...(o.sieveSize !== undefined ? { sieveSize: o.sieveSize } : {}),
      ...(o.sievePrimes !== undefined ? { sievePrimes: o.sievePrimes } : {}),
    };
    return o.threads === undefined
      ? searchInThread(
          new PrimeSearch(primeChain, { index: 0, stride: 1 }, options, events),
          o.maxCandidatesPerSec,
        )
      : searchInThreads<PrimeWork, PrimeFound>(
          { kind: 'prime', ...options },
          o.threads,
          o.maxCandidatesPerSec,
          events,
          (err) => this.emit('search-error', err),
        );
  }

  protected counted(units: number): void {
    this.stats.candidates += units;
  }

  protected onDifficulty(difficulty: number): void {
    this.#shareTarget = Math.round(difficulty * 2 ** 24) >>> 0;
  }

  protected workOf(job: NotifiedWork, en2Start: number, params: unknown[]): PrimeWork {
    const share = params[9];
    return {
      job,
      extranonce1: this.extranonce1,
      extranonce2Size: this.extranonce2Size,
      en2Start,
      shareTarget: typeof share === 'string' ? parseInt(share, 16) : this.#shareTarget,
    };
  }

  protected send(f: PrimeFound): void {
    const length = f.word >>> 24;
    this.stats.byLength[length] = (this.stats.byLength[length] ?? 0) + 1;
    this.submit([this.username, f.jobId, f.extranonce2, f.ntime, f.nonce, f.multiplier, f.type], {
      hash: undefined,
      block: f.block,
    });
  }
}
