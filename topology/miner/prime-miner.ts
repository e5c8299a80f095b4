// Colliery's prime demo miner: speaks the prime Stratum dialect (docs/primecoin-stratum.md),
// rolls nonces until the header hash H is at least 2^255, sieves the multiplier M = p#·k over
// k (prime-sieve.ts) for the chain length it targets, tests the survivors with the native
// chain test, normalizes (halves M while O/2 gives a longer chain, as consensus requires)
// and submits every chain that meets the connection's share target, claiming its chain type.
// `sieveDepth` defaults to the block target's length (what the pool asks); a lower value
// makes a miner that targets shorter chains, for tests.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { bytesToHex, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import { encodeMultiplier, primeChain } from '../../native/index.js';
import type { ChainWords } from '../../native/index.js';
import { primorial, sieveCandidates } from './prime-sieve.js';
import {
  headerOf,
  StratumWire,
  workFromNotify,
  type NotifiedWork,
  type WireMessage,
} from './stratum-wire.js';

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
}

interface PrimeJob extends NotifiedWork {
  readonly shareTarget: number;
}

export interface PrimeMinerStats {
  candidates: number;
  submitted: number;
  accepted: number;
  rejected: number;
  rejectCodes: Record<string, number>;
  /** Submitted chains by integer length. */
  byLength: Record<number, number>;
}

const PRIMORIAL_PRIMES = 9; // 23#, as the mainnet genesis multiplier
const LIMIT = 1n << 255n;
const TYPES = ['1CC', '2CC', 'TWN'] as const;

function best(w: ChainWords): { word: number; type: (typeof TYPES)[number] } {
  const words = [w.cunningham1, w.cunningham2, w.biTwin];
  let i = 0;
  for (let j = 1; j < 3; j++) if (words[j]! > words[i]!) i = j;
  return { word: words[i]!, type: TYPES[i]! };
}

export class PrimeStratumMiner extends EventEmitter {
  readonly #o: PrimeMinerOptions;
  readonly #fixed = primorial(PRIMORIAL_PRIMES);
  #wire: StratumWire | null = null;
  #extranonce1: Uint8Array = new Uint8Array(0);
  #extranonce2Size = 4;
  #shareTarget = 0;
  #job: PrimeJob | null = null;
  #en2 = 0;
  #running = false;
  readonly stats: PrimeMinerStats = {
    candidates: 0,
    submitted: 0,
    accepted: 0,
    rejected: 0,
    rejectCodes: {},
    byLength: {},
  };

  constructor(options: PrimeMinerOptions) {
    super();
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#running = true;
    const wire = await StratumWire.open(
      this.#o.host,
      this.#o.port,
      (m, method) => this.#onMessage(m, method),
      (err) => this.emit('protocol-error', err),
    );
    this.#wire = wire;
    const socket = wire.socket;
    socket.on('error', (e) => this.emit('socket-error', e));
    const authorized = new Promise<void>((resolve, reject) => {
      this.once('authorized', resolve);
      this.once('auth-refused', reject);
      socket.once('close', () => reject(new Error('connection closed before authorization')));
    });
    this.#send('mining.subscribe', ['colliery-prime-miner/0.1']);
    this.#send('mining.authorize', [this.#o.username, this.#o.password ?? 'x']);
    await authorized;
    void this.#mineLoop();
  }

  stop(): void {
    this.#running = false;
    this.#wire?.destroy();
    this.#wire = null;
  }

  #send(method: string, params: unknown[]): void {
    this.#wire?.send(method, params);
  }

  #onMessage(m: WireMessage, method: string | undefined): void {
    if (typeof m.method === 'string') return this.#onNotification(m.method, m.params as unknown[]);
    if (method === 'mining.subscribe' && Array.isArray(m.result)) {
      this.#extranonce1 = hexToBytes(m.result[1] as string);
      this.#extranonce2Size = m.result[2] as number;
    } else if (method === 'mining.authorize') {
      if (m.result === true) this.emit('authorized');
      else
        this.emit('auth-refused', new Error(`authorization refused: ${JSON.stringify(m.error)}`));
    } else if (method === 'mining.submit') {
      if (m.result === true) this.stats.accepted++;
      else {
        this.stats.rejected++;
        const code = String((m.error as [number] | null)?.[0] ?? '?');
        this.stats.rejectCodes[code] = (this.stats.rejectCodes[code] ?? 0) + 1;
        this.emit('rejected', m.error);
      }
    }
  }

  #onNotification(method: string, params: unknown[]): void {
    if (method === 'mining.set_difficulty') {
      this.#shareTarget = Math.round(Number(params[0]) * 2 ** 24) >>> 0;
    } else if (method === 'mining.notify') {
      const work = workFromNotify(params);
      const share = params[9];
      this.#job = {
        ...work,
        shareTarget: typeof share === 'string' ? parseInt(share, 16) : this.#shareTarget,
      };
      this.#en2++;
      this.emit('job', work.id);
    }
  }

  async #mineLoop(): Promise<void> {
    let nonce = 0;
    while (this.#running) {
      const job = this.#job;
      if (!job || !this.#wire || this.#wire.closed) {
        await sleep(20);
        continue;
      }
      const en2 = this.#en2;
      const header = this.#header(job, en2, nonce++);
      const hashBytes = sha256d(header);
      const hash = BigInt(`0x${bytesToHex(reverseBytes(hashBytes))}`);
      if (hash < LIMIT) continue;
      const ks = sieveCandidates(hash, {
        primorialPrimes: PRIMORIAL_PRIMES,
        sievePrimes: this.#o.sievePrimes ?? 2000,
        depth: this.#o.sieveDepth ?? Math.max(1, job.nbits >>> 24),
        size: this.#o.sieveSize ?? 20_000,
      });
      const base = hash * this.#fixed;
      for (let i = 0; i < ks.length && this.#running && this.#job === job; i += 256) {
        const started = Date.now();
        const chunk = ks.slice(i, i + 256);
        for (const k of chunk) this.#test(job, en2, nonce - 1, base, k);
        this.stats.candidates += chunk.length;
        const limit = this.#o.maxCandidatesPerSec;
        const wait = limit ? (chunk.length * 1000) / limit - (Date.now() - started) : 0;
        await (wait > 1 ? sleep(wait) : new Promise((r) => setImmediate(r)));
      }
    }
  }

  #header(job: PrimeJob, en2: number, nonce: number): Uint8Array {
    return headerOf(job, this.#extranonce1, hexToBytes(hex(en2, this.#extranonce2Size)), nonce);
  }

  #test(job: PrimeJob, en2: number, nonce: number, base: bigint, k: number): void {
    let multiplier = this.#fixed * BigInt(k);
    let origin = base * BigInt(k);
    let found = best(primeChain(origin));
    if (found.word < job.shareTarget) return;
    // Normalization (primecoin.md §6.8): while M is even and O/2 has a longer chain, halve.
    while (multiplier % 2n === 0n && origin % 4n === 0n) {
      const half = best(primeChain(origin / 2n));
      if (half.word <= found.word) break;
      multiplier /= 2n;
      origin /= 2n;
      found = half;
    }
    const L = found.word >>> 24;
    this.stats.byLength[L] = (this.stats.byLength[L] ?? 0) + 1;
    this.stats.submitted++;
    this.#send('mining.submit', [
      this.#o.username,
      job.id,
      hex(en2, this.#extranonce2Size),
      hex(job.ntime, 4),
      hex(nonce, 4),
      bytesToHex(encodeMultiplier(multiplier)),
      found.type,
    ]);
  }
}

function hex(n: number, bytes: number): string {
  return (n >>> 0)
    .toString(16)
    .padStart(bytes * 2, '0')
    .slice(-bytes * 2);
}
