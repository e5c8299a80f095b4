// Colliery's prime miner: speaks the prime Stratum dialect (docs/primecoin-stratum.md; the
// Stratum half in miner-client.ts), searches with prime-search.ts (sieve over p#·k, native
// chain tests, normalization) and submits every chain that meets the connection's share
// target, claiming its chain type. The search runs in this thread (`colliery demo`, the tests)
// or in `threads` worker threads (`colliery miner`). `sieveDepth` defaults to the block
// target's length (what the pool asks); a lower value makes a miner that targets shorter
// chains, for tests.
import { primeChain } from '../../native/index.js';
import { emptySubmitStats, MinerClient, type SubmitStats } from './miner-client.js';
import {
  PrimeSearch,
  type PrimeFound,
  type PrimeSearchOptions,
  type PrimeWork,
} from './prime-search.js';
import { searchInThread, searchInThreads, type SearchEvents, type Searcher } from './search.js';
import { workFromNotify } from './stratum-wire.js';

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
}

export interface PrimeMinerStats extends SubmitStats {
  /** Chain tests run. */
  candidates: number;
  /** Submitted chains by integer length. */
  byLength: Record<number, number>;
}

export class PrimeStratumMiner extends MinerClient {
  readonly #o: PrimeMinerOptions;
  readonly stats: PrimeMinerStats = { candidates: 0, byLength: {}, ...emptySubmitStats() };
  #search: Searcher<PrimeWork> | null = null;
  /** The last mining.set_difficulty as a length word (used when a notify carries none). */
  #shareTarget = 0;
  #work: PrimeWork | null = null;
  #en2High = -1;
  readonly #liveJobs = new Set<string>();

  constructor(options: PrimeMinerOptions) {
    super(
      {
        host: options.host,
        port: options.port,
        username: options.username,
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.persistent !== undefined ? { persistent: options.persistent } : {}),
      },
      'colliery-prime-miner/0.1',
    );
    this.#o = options;
  }

  /** The current share target as a chain length word (`length << 24 | fraction`; 0: none yet). */
  get shareTarget(): number {
    return this.#work?.shareTarget ?? this.#shareTarget;
  }

  protected startSearch(): void {
    if (this.#search !== null) return;
    const events: SearchEvents<PrimeFound> = {
      found: (f) => this.#onFound(f),
      progress: (n) => void (this.stats.candidates += n),
      extranonce2: (en2) => void (this.#en2High = Math.max(this.#en2High, en2)),
    };
    const o = this.#o;
    const options: PrimeSearchOptions = {
      ...(o.sieveDepth !== undefined ? { sieveDepth: o.sieveDepth } : {}),
      ...(o.sieveSize !== undefined ? { sieveSize: o.sieveSize } : {}),
      ...(o.sievePrimes !== undefined ? { sievePrimes: o.sievePrimes } : {}),
    };
    this.#search =
      o.threads === undefined
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
    this.#search.setWork(this.#work);
  }

  protected stopSearch(): Promise<void> {
    const search = this.#search;
    this.#search = null;
    return search?.stop() ?? Promise.resolve();
  }

  protected onDifficulty(difficulty: number): void {
    this.#shareTarget = Math.round(difficulty * 2 ** 24) >>> 0;
  }

  protected onNotify(params: unknown[]): void {
    const job = workFromNotify(params);
    const share = params[9];
    const en2Start = job.clean || this.#work === null ? 0 : this.#en2High + 1;
    this.#en2High = en2Start + (this.#o.threads ?? 1) - 1;
    if (job.clean) this.#liveJobs.clear();
    this.#liveJobs.add(job.id);
    this.#setWork({
      job,
      extranonce1: this.extranonce1,
      extranonce2Size: this.extranonce2Size,
      en2Start,
      shareTarget: typeof share === 'string' ? parseInt(share, 16) : this.#shareTarget,
    });
    this.emit('job', job.id);
  }

  protected onDisconnected(): void {
    this.#liveJobs.clear();
    this.#setWork(null);
  }

  #setWork(work: PrimeWork | null): void {
    this.#work = work;
    this.#search?.setWork(work);
  }

  #onFound(f: PrimeFound): void {
    if (!this.#liveJobs.has(f.jobId)) return; // found on work a new block or connection replaced
    const length = f.word >>> 24;
    this.stats.byLength[length] = (this.stats.byLength[length] ?? 0) + 1;
    this.submit([this.username, f.jobId, f.extranonce2, f.ntime, f.nonce, f.multiplier, f.type], {
      hash: undefined,
      block: f.block,
    });
  }
}
