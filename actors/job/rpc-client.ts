// JSON-RPC client for Bitcoin Core-compatible coin nodes (bitcoind, bcoin, the devnet):
// credentials from the URL (`http://user:pass@host:port`) or a cookie file, a deadline per
// call, and typed errors: RPC_TIMEOUT / RPC_UNREACHABLE (retryable), RPC_AUTH, RPC_ERROR
// (the node's own error, with its code), RPC_BAD_REPLY. Replies are validated by callers.
// node:http with a keep-alive agent per client (not fetch), and for submitblock a lane of its
// own (http-lane.ts, once warmSubmitLane() was called): one kept-open connection the request is
// written to in the caller's turn, with node:http as the way when the lane is busy or down.
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { CodedError } from '../shared/errors.js';
import { HttpLane, LaneError } from './http-lane.js';

/**
 * Idle connections are dropped after 4 s, before the node's own keep-alive timeout (Node's
 * default 5 s, bitcoind's 30 s) can close one under a request being sent on it.
 */
const AGENT_OPTIONS: http.AgentOptions = { keepAlive: true, maxSockets: 16, timeout: 4_000 };

/** Wallet calls that move coins: never resent, even when the connection died under them. */
const NOT_RESENT = /^send/;

/** What call() needs of an HTTP answer. */
interface RpcResponse {
  readonly status: number;
  readonly text: string;
}

export interface RpcEndpoint {
  /** http(s)://[user:pass@]host:port[/path] */
  readonly url: string;
  /** Bitcoin Core's `.cookie` file (`__cookie__:<secret>`), read on every auth failure too. */
  readonly cookieFile?: string;
}

export class CoinRpc {
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #cookieFile: string | undefined;
  #auth: string | null = null;
  #nextId = 1;
  #lane: HttpLane | null = null;
  readonly name: string;

  constructor(endpoint: RpcEndpoint) {
    const u = new URL(endpoint.url);
    if (u.username)
      this.#auth = basic(decodeURIComponent(u.username), decodeURIComponent(u.password));
    u.username = '';
    u.password = '';
    this.#url = u;
    this.#agent =
      u.protocol === 'https:' ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
    this.#cookieFile = endpoint.cookieFile;
    this.name = `${u.hostname}:${u.port}`;
  }

  /**
   * Opens submitblock's own connection now (plain http only), so the first block candidate
   * does not wait for a connect; it is kept open by a ping every 2 s. Idempotent.
   */
  warmSubmitLane(): void {
    if (this.#lane !== null || this.#url.protocol !== 'http:') return;
    const u = this.#url;
    this.#lane = new HttpLane({
      host: u.hostname,
      port: Number(u.port || 80),
      path: `${u.pathname}${u.search}`,
      auth: () => this.#auth,
      keepAliveMs: 2_000,
    });
  }

  /** Closes submitblock's lane, if one was opened. */
  close(): void {
    this.#lane?.close();
    this.#lane = null;
  }

  async call<T = unknown>(method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<T> {
    if (this.#auth === null && this.#cookieFile) await this.#readCookie();
    // Built once: a block's hex can be megabytes, and the lane may pass it on to node:http.
    const payload = JSON.stringify({ jsonrpc: '1.0', id: this.#nextId++, method, params });
    let res =
      (method === 'submitblock' ? await this.#viaLane(method, payload, timeoutMs) : null) ??
      (await this.#post(method, payload, timeoutMs));
    if (res.status === 401 && this.#cookieFile) {
      await this.#readCookie(); // bitcoind rewrites the cookie on restart
      res = await this.#post(method, payload, timeoutMs);
    }
    if (res.status === 401 || res.status === 403) {
      throw new CodedError(
        'RPC_AUTH',
        `${this.name}: authentication failed (check the RPC user/password or cookie file)`,
      );
    }
    let body: { result?: unknown; error?: { code?: number; message?: string } | null };
    try {
      body = JSON.parse(res.text) as typeof body;
      if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
    } catch (cause) {
      throw new CodedError(
        'RPC_BAD_REPLY',
        `${this.name}: ${method} answered HTTP ${res.status} without JSON`,
        {
          cause,
          retryable: res.status >= 500,
        },
      );
    }
    if (body.error) {
      throw Object.assign(
        new CodedError(
          'RPC_ERROR',
          `${this.name}: ${method}: ${body.error.message ?? 'error'} (${body.error.code ?? '?'})`,
        ),
        { rpcCode: body.error.code ?? null },
      );
    }
    return body.result as T;
  }

  /** submitblock on its lane; null: not taken (busy, down) or the node never answered. */
  async #viaLane(method: string, payload: string, timeoutMs: number): Promise<RpcResponse | null> {
    const sent = this.#lane?.post(payload, timeoutMs) ?? null;
    if (sent === null) return null;
    try {
      return await sent;
    } catch (err) {
      if (!(err instanceof LaneError)) throw err;
      // No byte came back: the node may not have it; node:http sends it once more (a block it
      // already has is answered "duplicate"). Anything else is the call's failure.
      if (!err.answered && !err.timedOut) return null;
      throw this.#transportError(method, err.timedOut, timeoutMs, err, `failed: ${err.message}`);
    }
  }

  /** RPC_TIMEOUT or RPC_UNREACHABLE (both retryable) for a request that got no answer. */
  #transportError(
    method: string,
    timedOut: boolean,
    timeoutMs: number,
    cause: unknown,
    why = 'unreachable',
  ): CodedError {
    return new CodedError(
      timedOut ? 'RPC_TIMEOUT' : 'RPC_UNREACHABLE',
      `${this.name}: ${method} ${timedOut ? `timed out after ${timeoutMs} ms` : why}`,
      { cause, retryable: true },
    );
  }

  #post(method: string, payload: string, timeoutMs: number, resent = false): Promise<RpcResponse> {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    };
    if (this.#auth) headers.authorization = this.#auth;
    const u = this.#url;
    const request = u.protocol === 'https:' ? https.request : http.request;
    return new Promise<RpcResponse>((resolve, reject) => {
      let timedOut = false;
      const fail = (cause: unknown): void =>
        reject(this.#transportError(method, timedOut, timeoutMs, cause));
      const req = request(
        {
          protocol: u.protocol,
          hostname: u.hostname,
          port: u.port,
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          headers,
          agent: this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', fail);
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        // A kept-alive connection the node closed as we reused it: the request never arrived
        // (Node's documented case for request.reusedSocket); send it once more on a fresh one.
        const reset = (err as { code?: string }).code === 'ECONNRESET';
        if (reset && req.reusedSocket && !timedOut && !resent && !NOT_RESENT.test(method))
          return void this.#post(method, payload, timeoutMs, true).then(resolve, reject);
        fail(err);
      });
      req.end(payload);
    });
  }

  async #readCookie(): Promise<void> {
    try {
      const text = (await readFile(this.#cookieFile as string, 'utf8')).trim();
      const colon = text.indexOf(':');
      this.#auth = basic(text.slice(0, colon), text.slice(colon + 1));
    } catch (cause) {
      throw new CodedError(
        'RPC_AUTH',
        `${this.name}: cannot read cookie file ${this.#cookieFile}`,
        { cause },
      );
    }
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
