// Colliery's own Stratum V1 miner: speaks the protocol like cpuminer/cgminer (subscribe,
// optional version-rolling configure, authorize, set_difficulty, notify, submit), really
// hashes (batched SHA256d through the native core), and follows client.reconnect. Used by
// `colliery demo`, the tests and the benchmarks.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { bytesToHex, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { shareTargetFromDifficulty } from '../../actors/shared/target.js';
import {
  headerOf,
  StratumWire,
  workFromNotify,
  type NotifiedWork,
  type WireMessage,
} from './stratum-wire.js';

export interface MinerOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** Batched SHA256d: n×80 header bytes in, n×32 hashes out (native hashHeaders). */
  hashHeaders: (headers: Uint8Array) => Uint8Array;
  /** Nonces hashed per batch (one event-loop turn). */
  batchSize?: number;
  /** Throttle for demos sharing a machine with the pool; unlimited when absent. */
  maxHashesPerSec?: number;
  versionRolling?: boolean;
  userAgent?: string;
}

type MinerJob = NotifiedWork;

export interface MinerStats {
  hashes: number;
  submitted: number;
  accepted: number;
  rejected: number;
  rejectCodes: Record<string, number>;
}

export class StratumMiner extends EventEmitter {
  readonly #o: Required<Omit<MinerOptions, 'maxHashesPerSec'>> & {
    maxHashesPerSec: number | undefined;
  };
  #wire: StratumWire | null = null;
  #extranonce1: Uint8Array = new Uint8Array(0);
  #extranonce2Size = 4;
  #versionMask = 0;
  #target = 0n;
  #difficulty = 1;
  #job: MinerJob | null = null;
  #en2 = 0;
  #running = false;
  readonly stats: MinerStats = {
    hashes: 0,
    submitted: 0,
    accepted: 0,
    rejected: 0,
    rejectCodes: {},
  };

  constructor(options: MinerOptions) {
    super();
    this.#o = {
      password: 'x',
      batchSize: 4096,
      versionRolling: false,
      userAgent: 'colliery-miner/0.1',
      ...options,
      maxHashesPerSec: options.maxHashesPerSec,
    };
  }

  get difficulty(): number {
    return this.#difficulty;
  }

  /** Connects and mines until stop(); resolves once authorized. */
  async start(): Promise<void> {
    this.#running = true;
    await this.#connect();
    void this.#mineLoop();
  }

  stop(): void {
    this.#running = false;
    this.#wire?.destroy();
    this.#wire = null;
  }

  async #connect(): Promise<void> {
    const wire = await StratumWire.open(
      this.#o.host,
      this.#o.port,
      (m, method) => this.#onMessage(m, method),
      (err) => this.emit('protocol-error', err),
    );
    this.#wire = wire;
    const socket = wire.socket;
    socket.on('close', () => {
      this.#submitted.clear();
      this.emit('disconnected');
    });
    socket.on('error', (e) => this.emit('socket-error', e));
    const authorized = new Promise<void>((resolve, reject) => {
      this.once('authorized', resolve);
      this.once('auth-refused', reject);
      socket.once('close', () => reject(new Error('connection closed before authorization')));
    });
    if (this.#o.versionRolling) {
      this.#send('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
    }
    this.#send('mining.subscribe', [this.#o.userAgent]);
    this.#send('mining.authorize', [this.#o.username, this.#o.password]);
    await authorized;
  }

  /** Display-order block hash of each submit awaiting its answer (reported with "accepted"). */
  readonly #submitted = new Map<number, string>();

  #send(method: string, params: unknown[]): number {
    return this.#wire?.send(method, params) ?? -1;
  }

  #onMessage(m: WireMessage, method: string | undefined): void {
    if (typeof m.method === 'string')
      return this.#onNotification(m.method, (m.params ?? []) as unknown[]);
    const error = m.error as [number, string] | null;
    if (method === 'mining.subscribe' && Array.isArray(m.result)) {
      this.#extranonce1 = hexToBytes(m.result[1] as string);
      this.#extranonce2Size = m.result[2] as number;
    } else if (method === 'mining.configure' && m.result) {
      const r = m.result as Record<string, unknown>;
      if (r['version-rolling'] === true)
        this.#versionMask = parseInt(r['version-rolling.mask'] as string, 16);
    } else if (method === 'mining.authorize') {
      if (m.result === true) this.emit('authorized');
      else this.emit('auth-refused', new Error(`authorization refused: ${JSON.stringify(error)}`));
    } else if (method === 'mining.submit') {
      const hash = this.#submitted.get(m.id as number);
      this.#submitted.delete(m.id as number);
      if (m.result === true) {
        this.stats.accepted++;
        this.emit('accepted', hash);
      } else {
        this.stats.rejected++;
        const code = String(error?.[0] ?? '?');
        this.stats.rejectCodes[code] = (this.stats.rejectCodes[code] ?? 0) + 1;
        this.emit('rejected', error);
      }
    }
  }

  #onNotification(method: string, params: unknown[]): void {
    if (method === 'mining.set_difficulty') {
      this.#difficulty = Number(params[0]);
      this.#target = shareTargetFromDifficulty(this.#difficulty);
    } else if (method === 'mining.notify') {
      const job: MinerJob = workFromNotify(params);
      const clean = job.clean;
      // New work either way: a clean job starts over, a re-issue moves to a fresh extranonce2
      // (hashing the same header space again would only produce duplicates).
      this.#en2 = clean || !this.#job ? 0 : this.#en2 + 1;
      this.#job = job;
      this.emit('job', job.id);
    } else if (method === 'client.reconnect') {
      this.emit('reconnect-requested');
      this.#wire?.destroy();
      if (this.#running)
        void sleep(100).then(() =>
          this.#running ? this.#connect().catch((e) => this.emit('socket-error', e)) : undefined,
        );
    }
  }

  async #mineLoop(): Promise<void> {
    const batch = this.#o.batchSize;
    const headers = new Uint8Array(80 * batch);
    const view = new DataView(headers.buffer);
    let nonceBase = 0;
    let workKey = '';
    while (this.#running) {
      const job = this.#job;
      if (!job || this.#target === 0n || !this.#wire || this.#wire.closed) {
        await sleep(20);
        continue;
      }
      const key = `${job.id}:${this.#en2}`;
      if (key !== workKey || nonceBase >= 0x1_0000_0000) {
        if (key === workKey) this.#en2++;
        workKey = `${job.id}:${this.#en2}`;
        nonceBase = 0;
        this.#fill(headers, job, this.#en2, batch);
      }
      const started = Date.now();
      for (let i = 0; i < batch; i++) view.setUint32(i * 80 + 76, nonceBase + i, true);
      const hashes = this.#o.hashHeaders(headers);
      this.stats.hashes += batch;
      this.#check(hashes, job, this.#en2, nonceBase, batch, view.getUint32(0, true));
      nonceBase += batch;
      const limit = this.#o.maxHashesPerSec;
      const wait = limit ? (batch * 1000) / limit - (Date.now() - started) : 0;
      await (wait > 1 ? sleep(wait) : new Promise((r) => setImmediate(r)));
    }
  }

  /** Writes the header template for (job, en2) into every slot of the batch. */
  #fill(headers: Uint8Array, job: MinerJob, en2: number, batch: number): void {
    const en2Bytes = hexToBytes(extranonce2Hex(en2, this.#extranonce2Size));
    const tpl = headerOf(job, this.#extranonce1, en2Bytes, 0); // nonces go in per slot
    for (let i = 0; i < batch; i++) headers.set(tpl, i * 80);
  }

  #check(
    hashes: Uint8Array,
    job: MinerJob,
    en2: number,
    nonceBase: number,
    batch: number,
    version: number,
  ): void {
    const target = this.#target;
    const top = Number(target >> 224n); // most significant 32 bits of the target
    const hv = new DataView(hashes.buffer, hashes.byteOffset, hashes.byteLength);
    for (let i = 0; i < batch; i++) {
      const hashTop = hv.getUint32(i * 32 + 28, true);
      if (hashTop > top) continue;
      const h = hashes.subarray(i * 32, i * 32 + 32);
      if (hashTop === top && BigInt(`0x${bytesToHex(reverseBytes(h))}`) > target) continue;
      const en2Hex = extranonce2Hex(en2, this.#extranonce2Size);
      const params: unknown[] = [
        this.#o.username,
        job.id,
        en2Hex,
        hex32(job.ntime),
        hex32(nonceBase + i),
      ];
      if (this.#versionMask) params.push(hex32((version & this.#versionMask) >>> 0));
      this.stats.submitted++;
      this.#submitted.set(this.#send('mining.submit', params), bytesToHex(reverseBytes(h)));
    }
  }
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** The extranonce2 counter as `size` big-endian bytes (hex). */
function extranonce2Hex(en2: number, size: number): string {
  return (en2 >>> 0)
    .toString(16)
    .padStart(size * 2, '0')
    .slice(-size * 2);
}
