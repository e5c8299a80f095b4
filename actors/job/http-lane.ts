// One kept-open HTTP/1.1 connection to a coin node for the call that must not wait: submitblock.
// node:http spends ~0.2-0.5 ms of JavaScript per request before the first byte leaves (agent
// bookkeeping, per-request stream objects, a nextTick to attach the socket); here the request
// is one socket.write in the caller's turn. One request at a time. The lane says when it
// cannot take a request (busy, not connected yet) and the caller uses node:http instead; a
// request that got no byte of answer before the connection died may be resent there.
// A ping every `keepAliveMs` keeps the connection from the node's idle timeout (Node's 5 s,
// bitcoind's 30 s).
import { connect, type Socket } from 'node:net';

export interface LaneResponse {
  readonly status: number;
  readonly text: string;
}

/** Why a lane request failed; `answered` false: no byte came back, the node never replied. */
export class LaneError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly answered: boolean,
  ) {
    super(message);
  }
}

interface Pending {
  readonly resolve: (r: LaneResponse) => void;
  readonly reject: (e: LaneError) => void;
  readonly timer: NodeJS.Timeout;
  answered: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const PING = '{"jsonrpc":"1.0","id":"lane","method":"getblockcount","params":[]}';
const MAX_HEAD_BYTES = 64 * 1024;

export interface LaneOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** The Authorization header's value now (a cookie file can change it). */
  readonly auth: () => string | null;
  readonly keepAliveMs: number;
}

export class HttpLane {
  readonly #o: LaneOptions;
  #socket: Socket | null = null;
  #pending: Pending | null = null;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  readonly #pinger: NodeJS.Timeout;

  constructor(o: LaneOptions) {
    this.#o = o;
    this.#pinger = setInterval(() => this.#keepAlive(), o.keepAliveMs);
    this.#pinger.unref();
    this.#open();
  }

  /**
   * Sends `body` (JSON) now and resolves with the answer; null when the lane cannot take it
   * (busy or not connected: it connects for next time), so the caller sends it another way.
   */
  post(body: string, timeoutMs: number): Promise<LaneResponse> | null {
    if (this.#closed) return null;
    if (this.#socket === null || this.#socket.connecting || this.#socket.destroyed) {
      this.#open();
      return null;
    }
    if (this.#pending !== null) return null;
    const socket = this.#socket;
    const { host, port, path, auth } = this.#o;
    const authorization = auth();
    return new Promise<LaneResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        const answered = this.#pending?.answered ?? false;
        this.#fail(new LaneError(`no answer within ${timeoutMs} ms`, true, answered));
      }, timeoutMs);
      this.#pending = { resolve, reject, timer, answered: false };
      socket.ref(); // an idle lane does not keep the process alive; one waiting for an answer does
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\n` +
          (authorization === null ? '' : `Authorization: ${authorization}\r\n`) +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#pinger);
    this.#fail(new LaneError('lane closed', false, false));
    this.#socket?.destroy();
    this.#socket = null;
  }

  #keepAlive(): void {
    if (this.#closed || this.#pending !== null) return;
    // A ping nobody awaits: it only keeps the connection (and the node's side of it) open.
    this.post(PING, 10_000)?.catch(() => undefined);
  }

  #open(): void {
    if (this.#socket !== null || this.#closed) return;
    const socket = connect({ host: this.#o.host, port: this.#o.port, noDelay: true });
    this.#socket = socket;
    socket.unref();
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and settles what was pending
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = null;
      this.#fail(
        new LaneError('connection closed', false, this.#pending?.answered ?? false),
        false,
      );
    });
  }

  #onData(chunk: Buffer): void {
    const p = this.#pending;
    if (p === null) {
      this.#socket?.destroy(); // bytes nobody asked for: the stream is out of step
      return;
    }
    p.answered = true;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let parsed: { response: LaneResponse; close: boolean } | null;
    try {
      parsed = parseResponse(this.#buf);
    } catch (err) {
      return this.#fail(new LaneError((err as Error).message, false, true));
    }
    if (parsed === null) return;
    this.#buf = Buffer.alloc(0);
    this.#pending = null;
    clearTimeout(p.timer);
    if (parsed.close) this.#socket?.end();
    this.#socket?.unref();
    p.resolve(parsed.response);
  }

  /** Settles the pending request with `err`; the stream may be out of step, so it is dropped. */
  #fail(err: LaneError, drop = true): void {
    const p = this.#pending;
    if (p === null) return;
    this.#pending = null;
    this.#buf = Buffer.alloc(0);
    clearTimeout(p.timer);
    if (drop) this.#socket?.destroy();
    p.reject(err);
  }
}

/**
 * One HTTP/1.1 response from the start of `buf`: null while incomplete. Bodies by
 * Content-Length or chunked; `close` when the node will close the connection after it.
 */
export function parseResponse(buf: Buffer): { response: LaneResponse; close: boolean } | null {
  const headEnd = buf.indexOf(HEADER_END);
  if (headEnd < 0) {
    if (buf.length > MAX_HEAD_BYTES) throw new Error('response head too long');
    return null;
  }
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) throw new Error(`not an HTTP/1.x status line: ${(lines[0] ?? '').slice(0, 64)}`);
  let length: number | null = null;
  let chunked = false;
  let close = (lines[0] ?? '').startsWith('HTTP/1.0');
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value.includes('close');
  }
  const start = headEnd + HEADER_END.length;
  let body: Buffer;
  if (chunked) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = parseInt(buf.toString('latin1', at, eol).split(';')[0] ?? '', 16);
      if (!Number.isInteger(size) || size < 0) throw new Error('bad chunk size');
      if (size === 0) {
        const end = buf.indexOf(HEADER_END, eol); // last chunk, no trailers: 0\r\n\r\n
        if (end < 0) return null;
        break;
      }
      if (buf.length < eol + 2 + size + 2) return null;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (length !== null) {
    if (!Number.isSafeInteger(length) || length < 0) throw new Error('bad Content-Length');
    if (buf.length < start + length) return null;
    body = buf.subarray(start, start + length);
  } else {
    throw new Error('response without Content-Length or chunked body');
  }
  return { response: { status: Number(status[1]), text: body.toString('utf8') }, close };
}
