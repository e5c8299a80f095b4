// Colliery's own Stratum V1 hash miner: speaks the protocol like cpuminer/cgminer (subscribe,
// optional version-rolling configure, authorize, set_difficulty, notify, submit; miner-client.ts),
// really hashes (batched SHA256d through the native core; hash-search.ts) and follows
// client.reconnect. The search runs in this thread between event-loop turns (`colliery demo`,
// the tests and the benchmarks) or in `threads` worker threads (`colliery miner`).
import { shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { HashSearch, type HashFound, type HashWork } from './hash-search.js';
import { emptySubmitStats, type SubmitStats } from './miner-client.js';
import { searchInThread, searchInThreads, type SearchEvents, type Searcher } from './search.js';
import { SearchingMiner } from './searching-miner.js';
import type { NotifiedWork, WireTls } from './stratum-wire.js';

export interface MinerOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  /**
   * Batched SHA256d: n×80 header bytes in, n×32 hashes out (native hashHeaders). Worker threads
   * load the same backend themselves (native/loader.ts).
   */
  hashHeaders: (headers: Uint8Array) => Uint8Array;
  /** Nonces hashed per batch (one event-loop turn). */
  batchSize?: number;
  /** Throttle for demos sharing a machine with the pool; unlimited when absent. */
  maxHashesPerSec?: number;
  versionRolling?: boolean;
  userAgent?: string;
  /** Search in this many worker threads; absent: in this thread. */
  threads?: number;
  /** Reconnect with backoff when the pool cannot be reached or goes away (miner-client.ts). */
  persistent?: boolean;
  /** The local address to connect from (miner-client.ts). */
  localAddress?: string;
  /** Stratum over TLS (miner-client.ts). */
  tls?: WireTls;
}

export interface MinerStats extends SubmitStats {
  hashes: number;
}

export class StratumMiner extends SearchingMiner<HashWork, HashFound> {
  readonly #o: MinerOptions;
  readonly stats: MinerStats = { hashes: 0, ...emptySubmitStats() };
  #difficulty = 1;
  #target = 0n;

  constructor(options: MinerOptions) {
    super(
      {
        host: options.host,
        port: options.port,
        username: options.username,
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.versionRolling !== undefined ? { versionRolling: options.versionRolling } : {}),
        ...(options.persistent !== undefined ? { persistent: options.persistent } : {}),
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
        ...(options.tls !== undefined ? { tls: options.tls } : {}),
      },
      options.userAgent ?? 'colliery-miner/0.1',
    );
    this.#o = options;
  }

  /** The last mining.set_difficulty. */
  get difficulty(): number {
    return this.#difficulty;
  }

  protected get threads(): number {
    return this.#o.threads ?? 1;
  }

  protected searcher(events: SearchEvents<HashFound>): Searcher<HashWork> {
    const options = this.#o.batchSize !== undefined ? { batchSize: this.#o.batchSize } : {};
    return this.#o.threads === undefined
      ? searchInThread(
          new HashSearch(this.#o.hashHeaders, { index: 0, stride: 1 }, options, events),
          this.#o.maxHashesPerSec,
        )
      : searchInThreads<HashWork, HashFound>(
          { kind: 'hash', ...options },
          this.#o.threads,
          this.#o.maxHashesPerSec,
          events,
          (err) => this.emit('search-error', err),
        );
  }

  protected counted(units: number): void {
    this.stats.hashes += units;
  }

  protected onDifficulty(difficulty: number): void {
    this.#difficulty = difficulty;
    this.#target = shareTargetFromDifficulty(difficulty);
    if (this.work) this.setWork({ ...this.work, target: this.#target });
  }

  protected workOf(job: NotifiedWork, en2Start: number): HashWork {
    return {
      job,
      extranonce1: this.extranonce1,
      extranonce2Size: this.extranonce2Size,
      en2Start,
      target: this.#target,
      versionMask: this.versionMask,
    };
  }

  protected send(f: HashFound): void {
    const params: unknown[] = [this.username, f.jobId, f.extranonce2, f.ntime, f.nonce];
    if (f.version !== undefined) params.push(f.version);
    this.submit(params, { hash: f.hash, block: f.block });
  }
}
