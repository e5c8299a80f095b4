// The miner side of Stratum's wire, shared by both our miners (hash and prime): one socket,
// newline-framed JSON-RPC, request ids mapped back to the method they answer. A line that is
// not JSON is reported, not fatal (a pool that speaks nonsense is the pool's problem).
import { connect as tlsConnect } from 'node:tls';
import { connect, type Socket } from 'node:net';
import { parseNotifyParams, prevHashFromStratum } from '../../actors/job/index.js';
import { concatBytes, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { submitHeader } from '../../actors/shared/submit-hash.js';

export type WireMessage = Record<string, unknown>;

const CONNECT_TIMEOUT_MS = 10_000;

/** A mining.notify's work in the byte forms a miner builds headers from. */
export interface NotifiedWork {
  readonly id: string;
  /** Internal byte order. */
  readonly prevHash: Uint8Array;
  readonly coinb1: Uint8Array;
  readonly coinb2: Uint8Array;
  /** The branch hashes, 32 bytes each, concatenated. */
  readonly merkleBranches: Uint8Array;
  readonly version: number;
  readonly nbits: number;
  readonly ntime: number;
  readonly clean: boolean;
}

export function workFromNotify(params: unknown[]): NotifiedWork {
  const n = parseNotifyParams(params);
  return {
    id: n.jobId,
    prevHash: reverseBytes(hexToBytes(prevHashFromStratum(n.prevHashStratum))),
    coinb1: hexToBytes(n.coinb1),
    coinb2: hexToBytes(n.coinb2),
    merkleBranches: concatBytes(...n.merkleBranch.map((b) => hexToBytes(b, 32))),
    version: n.version,
    nbits: parseInt(n.bits, 16),
    ntime: n.ntime,
    clean: n.cleanJobs,
  };
}

/** The 80-byte header for `work` with this extranonce1/extranonce2 and nonce (the pool's own rule). */
export function headerOf(
  work: NotifiedWork,
  extranonce1: Uint8Array,
  extranonce2: Uint8Array,
  nonce: number,
): Uint8Array {
  return submitHeader({
    coinbase1: work.coinb1,
    extranonce1,
    extranonce2,
    coinbase2: work.coinb2,
    merkleBranches: work.merkleBranches,
    version: work.version,
    prevHash: work.prevHash,
    ntime: work.ntime,
    nbits: work.nbits,
    nonce: nonce >>> 0,
  }).header;
}

/** Stratum over TLS: the CA to check the pool's certificate by (PEM), and the name to check. */
export interface WireTls {
  readonly ca?: Buffer | string;
  readonly servername?: string;
}

export class StratumWire {
  readonly socket: Socket;
  readonly #onMessage: (m: WireMessage, method: string | undefined) => void;
  readonly #onProtocolError: (err: unknown) => void;
  #buffer = '';
  #nextId = 1;
  readonly #pending = new Map<number, string>();

  private constructor(
    socket: Socket,
    onMessage: (m: WireMessage, method: string | undefined) => void,
    onProtocolError: (err: unknown) => void,
  ) {
    this.socket = socket;
    this.#onMessage = onMessage;
    this.#onProtocolError = onProtocolError;
    socket.on('data', (chunk: string) => this.#onData(chunk));
  }

  /**
   * Connects; resolves once the socket is open. `onMessage` gets every message, with the
   * method of the request it answers (undefined for notifications and unknown ids).
   */
  static async open(
    host: string,
    port: number,
    onMessage: (m: WireMessage, method: string | undefined) => void,
    onProtocolError: (err: unknown) => void,
    localAddress?: string,
    tls?: WireTls,
  ): Promise<StratumWire> {
    const local = localAddress ? { localAddress } : {};
    // Stratum over TLS (stratum+ssl): the pool's certificate checked against `ca`, or the
    // system's roots.
    const socket =
      tls === undefined
        ? connect({ host, port, ...local })
        : tlsConnect({
            host,
            port,
            ...local,
            servername: tls.servername ?? host,
            ...(tls.ca ? { ca: tls.ca } : {}),
          });
    const ready = tls === undefined ? 'connect' : 'secureConnect';
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const wire = new StratumWire(socket, onMessage, onProtocolError);
    await new Promise<void>((resolve, reject) => {
      // A host that drops SYNs would leave us waiting for the kernel's own timeout (minutes).
      const timer = setTimeout(() => {
        const err = Object.assign(new Error(`connect ETIMEDOUT ${host}:${port}`), {
          code: 'ETIMEDOUT',
        });
        socket.destroy(err);
      }, CONNECT_TIMEOUT_MS);
      socket.once(ready, () => (clearTimeout(timer), resolve()));
      socket.once('error', (err) => (clearTimeout(timer), reject(err)));
    });
    return wire;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Sends a request; returns its id. */
  send(method: string, params: unknown[]): number {
    const id = this.#nextId++;
    this.#pending.set(id, method);
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    return id;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        const m = JSON.parse(line) as WireMessage;
        const method = this.#pending.get(m.id as number);
        this.#pending.delete(m.id as number);
        this.#onMessage(m, method); // a message the miner cannot use is reported the same way
      } catch (err) {
        this.#onProtocolError(err);
      }
    }
  }
}

/** A 32-bit field (ntime, nonce, version) as Stratum sends it: 8 hex digits, big-endian. */
export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** The extranonce2 counter as `size` big-endian bytes (hex). */
export function extranonce2Hex(en2: number, size: number): string {
  return (en2 >>> 0)
    .toString(16)
    .padStart(size * 2, '0')
    .slice(-size * 2);
}
