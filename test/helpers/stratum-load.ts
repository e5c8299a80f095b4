// Raw Stratum V1 clients for benchmarks: thousands of sockets in one process, each subscribes
// and authorizes, remembers the latest mining.notify, and then idles (reporting notify receipt
// times) or submits shares with distinct nonces, keeping a bounded window in flight. Replies
// are read with substring checks, not JSON.parse, so the load generator stays cheap.
import { connect, type Socket } from 'node:net';
import { hexToBytes } from '../../actors/shared/hex.js';
import { hashMeetsTarget, targetFromBits } from '../../actors/shared/target.js';
import { hashHeaders } from '../../native/index.js';
import { headerOf, workFromNotify } from '../../topology/miner/stratum-wire.js';

/** Counters shared by every client of one load run. */
export interface LoadStats {
  accepted: number;
  /** Rejections by Stratum error code. */
  rejects: Record<string, number>;
}

export interface LoadClientOptions {
  readonly host: string;
  readonly port: number;
  /** Source address (127.0.0.N) so many sockets do not exhaust one address's ephemeral ports. */
  readonly localAddress?: string;
  readonly username: string;
  readonly stats: LoadStats;
  readonly handshakeTimeoutMs?: number;
}

export function newLoadStats(): LoadStats {
  return { accepted: 0, rejects: {} };
}

const READ_BUFFER = Buffer.alloc(256 * 1024);
const latin1 = (buf: Uint8Array, n: number): string => (buf as Buffer).toString('latin1', 0, n);
const hex32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

export class LoadClient {
  readonly socket: Socket;
  readonly #o: LoadClientOptions;
  #tail = '';
  #nextId = 3;
  #window = 0;
  #inFlight = 0;
  #nonce = 0;
  #submitMid = '';
  extranonce1 = '';
  extranonce2Size = 4;
  /** The latest mining.notify params. */
  notify: unknown[] | null = null;
  /** Called for every mining.notify, with performance.now() taken when its chunk was read. */
  onNotify: ((client: LoadClient, atMs: number) => void) | null = null;
  /** Called for every reply to a submit sent with sendSubmit (code 0 = accepted). */
  onReply: ((id: number, code: number) => void) | null = null;
  #handshake: { resolve: () => void; reject: (e: Error) => void; subscribed: boolean } | null;

  private constructor(
    o: LoadClientOptions,
    socket: Socket,
    resolve: () => void,
    reject: (e: Error) => void,
  ) {
    this.#o = o;
    this.socket = socket;
    this.#handshake = { resolve, reject, subscribed: false };
  }

  /** Connects, subscribes, authorizes and resolves once the first mining.notify arrived. */
  static open(o: LoadClientOptions): Promise<LoadClient> {
    return new Promise((resolve, reject) => {
      // onread into one shared buffer: no stream machinery per read, so 10,000 readers in one
      // process cost little next to the writer being measured.
      const socket: Socket = connect({
        host: o.host,
        port: o.port,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, buf: Uint8Array): boolean => (client.#onData(latin1(buf, n)), true),
        },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('stratum handshake timed out'));
      }, o.handshakeTimeoutMs ?? 30_000);
      const client: LoadClient = new LoadClient(
        o,
        socket,
        () => {
          clearTimeout(timer);
          resolve(client);
        },
        (e: Error) => {
          clearTimeout(timer);
          socket.destroy();
          reject(e);
        },
      );
      socket.setNoDelay(true);
      socket.on('error', (e) => client.#handshake?.reject(e));
      socket.on('close', () => client.#handshake?.reject(new Error('closed during handshake')));
      socket.once('connect', () =>
        socket.write(
          `{"id":1,"method":"mining.subscribe","params":["colliery-bench/0.1"]}\n` +
            `{"id":2,"method":"mining.authorize","params":[${JSON.stringify(o.username)},"x"]}\n`,
        ),
      );
    });
  }

  /** Keeps `window` submits in flight from now on (0 stops sending; replies still count). */
  startSubmitting(window: number): void {
    this.#window = window;
    this.#refill();
  }

  stopSubmitting(): void {
    this.#window = 0;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Sends one submit; returns its request id (the reply goes to onReply). */
  sendSubmit(jobId: string, extranonce2: string, ntime: string, nonce: number): number {
    const id = this.#nextId++;
    this.#inFlight++;
    this.socket.write(
      `{"id":${id},"method":"mining.submit","params":[${JSON.stringify(this.#o.username)},"${jobId}","${extranonce2}","${ntime}","${hex32(nonce)}"]}\n`,
    );
    return id;
  }

  close(): void {
    this.#window = 0;
    this.socket.destroy();
  }

  #onData(chunk: string): void {
    const atMs = performance.now();
    const text = this.#tail + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      this.#onLine(text.slice(start, nl), atMs);
      start = nl + 1;
    }
    this.#tail = start < text.length ? text.slice(start) : '';
    if (this.#window > 0) this.#refill();
  }

  #onLine(line: string, atMs: number): void {
    if (line.startsWith('{"id":null')) {
      if (!line.includes('"mining.notify"')) return; // set_difficulty, reconnect
      const params = (JSON.parse(line) as { params: unknown[] }).params;
      this.notify = params;
      this.#submitMid = `,"method":"mining.submit","params":[${JSON.stringify(this.#o.username)},"${String(params[0])}","${'00'.repeat(this.extranonce2Size)}","${String(params[7])}","`;
      this.onNotify?.(this, atMs);
      if (this.#handshake?.subscribed) {
        const h = this.#handshake;
        this.#handshake = null;
        h.resolve();
      }
      return;
    }
    if (this.#handshake) return this.#onHandshakeReply(line);
    const colon = line.indexOf(',', 6);
    const id = Number(line.slice(6, colon));
    const e = line.indexOf('"error":[');
    const code = e < 0 ? 0 : parseInt(line.slice(e + 9, e + 14), 10);
    if (this.#inFlight > 0) this.#inFlight--;
    if (code === 0) this.#o.stats.accepted++;
    else this.#o.stats.rejects[code] = (this.#o.stats.rejects[code] ?? 0) + 1;
    this.onReply?.(id, code);
  }

  #onHandshakeReply(line: string): void {
    const m = JSON.parse(line) as { id: number; result: unknown; error: unknown };
    const h = this.#handshake;
    if (!h) return;
    if (m.id === 1 && Array.isArray(m.result)) {
      this.extranonce1 = String(m.result[1]);
      this.extranonce2Size = Number(m.result[2]);
    } else if (m.id === 2) {
      if (m.result !== true)
        return h.reject(new Error(`authorize refused: ${JSON.stringify(m.error)}`));
      h.subscribed = true;
      if (this.notify) {
        this.#handshake = null;
        h.resolve();
      }
    }
  }

  /** Tops the window up with fresh nonces on the latest job, in one socket write. */
  #refill(): void {
    let k = this.#window - this.#inFlight;
    if (k <= 0 || this.#submitMid === '' || this.socket.destroyed) return;
    let out = '';
    this.#inFlight += k;
    while (k-- > 0) out += `{"id":${this.#nextId++}${this.#submitMid}${hex32(this.#nonce++)}"]}\n`;
    this.socket.write(out);
  }
}

/** Opens `count` clients, at most `parallel` handshakes at a time, spread over source addresses. */
export async function openClients(
  count: number,
  base: Omit<LoadClientOptions, 'localAddress' | 'username'> & {
    readonly localAddresses: readonly string[];
    readonly username: (i: number) => string;
  },
  parallel = 256,
): Promise<LoadClient[]> {
  const clients: LoadClient[] = new Array<LoadClient>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      clients[i] = await LoadClient.open({
        ...base,
        localAddress: base.localAddresses[i % base.localAddresses.length] as string,
        username: base.username(i),
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  } catch (err) {
    for (const c of clients) c?.close();
    throw err;
  }
  return clients;
}

/** The 80-byte header a miner builds from a notify, its extranonce1/2 and a nonce. */
export function headerFor(
  notify: readonly unknown[],
  extranonce1: string,
  extranonce2: string,
  nonce: number,
): Uint8Array {
  return headerOf(
    workFromNotify([...notify]),
    hexToBytes(extranonce1),
    hexToBytes(extranonce2),
    nonce,
  );
}

/**
 * A submit on the client's current job that meets the job's network target (nbits): the first
 * nonce from 0 with extranonce2 all zeros. Only for easy targets (devnet, regtest).
 */
export function blockSubmit(client: LoadClient): {
  jobId: string;
  extranonce2: string;
  ntime: string;
  nonce: number;
} {
  const notify = client.notify as unknown[];
  const target = targetFromBits(parseInt(String(notify[6]), 16));
  const extranonce2 = '00'.repeat(client.extranonce2Size);
  let nonce = 0;
  while (
    !hashMeetsTarget(hashHeaders(headerFor(notify, client.extranonce1, extranonce2, nonce)), target)
  )
    nonce++;
  return { jobId: String(notify[0]), extranonce2, ntime: String(notify[7]), nonce };
}
