// JSON-RPC client for Bitcoin Core-compatible coin nodes (bitcoind, bcoin, the devnet):
// credentials from the URL (`http://user:pass@host:port`) or a cookie file, a deadline per
// call, and typed errors: RPC_TIMEOUT / RPC_UNREACHABLE (retryable), RPC_AUTH, RPC_ERROR
// (the node's own error, with its code), RPC_BAD_REPLY. Replies are validated by callers.
import { readFile } from 'node:fs/promises';
import { CodedError } from '../shared/errors.js';

export interface RpcEndpoint {
  /** http(s)://[user:pass@]host:port[/path] */
  readonly url: string;
  /** Bitcoin Core's `.cookie` file (`__cookie__:<secret>`), read on every auth failure too. */
  readonly cookieFile?: string;
}

export class CoinRpc {
  readonly #url: string;
  readonly #cookieFile: string | undefined;
  #auth: string | null = null;
  #nextId = 1;
  readonly name: string;

  constructor(endpoint: RpcEndpoint) {
    const u = new URL(endpoint.url);
    if (u.username)
      this.#auth = basic(decodeURIComponent(u.username), decodeURIComponent(u.password));
    u.username = '';
    u.password = '';
    this.#url = u.toString();
    this.#cookieFile = endpoint.cookieFile;
    this.name = `${u.hostname}:${u.port}`;
  }

  async call<T = unknown>(method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<T> {
    if (this.#auth === null && this.#cookieFile) await this.#readCookie();
    let res = await this.#post(method, params, timeoutMs);
    if (res.status === 401 && this.#cookieFile) {
      await this.#readCookie(); // bitcoind rewrites the cookie on restart
      res = await this.#post(method, params, timeoutMs);
    }
    if (res.status === 401 || res.status === 403) {
      throw new CodedError(
        'RPC_AUTH',
        `${this.name}: authentication failed (check the RPC user/password or cookie file)`,
      );
    }
    let body: { result?: unknown; error?: { code?: number; message?: string } | null };
    try {
      body = (await res.json()) as typeof body;
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

  async #post(method: string, params: unknown[], timeoutMs: number): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#auth) headers.authorization = this.#auth;
    try {
      return await fetch(this.#url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '1.0', id: this.#nextId++, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      const timeout = (cause as { name?: string }).name === 'TimeoutError';
      throw new CodedError(
        timeout ? 'RPC_TIMEOUT' : 'RPC_UNREACHABLE',
        `${this.name}: ${method} ${timeout ? `timed out after ${timeoutMs} ms` : 'unreachable'}`,
        { cause, retryable: true },
      );
    }
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
