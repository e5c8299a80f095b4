// Accounts the operator knows (pooled mode): besides an address of the coin's network, a miner
// may authorize with an account name from the operator's user list, as btcpool's
// `users_list_id_api_url` did. The list comes from a file or an http(s) URL, read at start and
// every `accounts-poll-seconds` after (a name added there can mine within seconds):
//   {"err_no": 0, "data": {"jack": 1, "mary": {"id": 2, "address": "bc1q…"}}}
// A name maps to its id and, to be paid, an address: the ledger credits the name, and payouts
// (coinbase outputs, sendmany) go to its address. A name without an address is credited and
// carried until the operator gives one. A list that fails to load keeps the last good one.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { addressToScript } from '../actors/shared/address.js';
import type { NetworkParams } from '../actors/shared/network.js';

export interface KnownAccount {
  readonly id: number;
  readonly address: string | null;
}

/** The names a pooled node accepts besides addresses, and where each is paid. */
export class AccountBook {
  #accounts = new Map<string, KnownAccount>();
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(
    private readonly source: string,
    private readonly network: NetworkParams,
    private readonly log: Logger,
  ) {}

  has(name: string): boolean {
    return this.#accounts.has(name);
  }

  /** The address `name` is paid to (null: none given; undefined: not a known account). */
  addressOf(name: string): string | null | undefined {
    return this.#accounts.get(name)?.address;
  }

  get size(): number {
    return this.#accounts.size;
  }

  /** Loads the list (a failure at start is an error), then polls it every `everyMs`. */
  async start(everyMs: number): Promise<void> {
    await this.load();
    this.#timer = setInterval(() => void this.load().catch(() => undefined), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reads the list once; on a failure the last good list stays (and the failure is logged). */
  async load(): Promise<void> {
    try {
      const next = parseAccounts(await this.#fetch(), this.network);
      const added = [...next.keys()].filter((n) => !this.#accounts.has(n));
      this.#accounts = next;
      if (this.#failing || added.length > 0)
        this.log.info({ accounts: next.size, added: added.slice(0, 20) }, 'account list loaded');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing)
        this.log.error(
          { err, source: this.source },
          'account list not loaded; the last good one stays',
        );
      this.#failing = true;
      throw err;
    }
  }

  async #fetch(): Promise<unknown> {
    if (!/^https?:\/\//.test(this.source)) return JSON.parse(await readFile(this.source, 'utf8'));
    const res = await fetch(this.source, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${this.source} answered HTTP ${res.status}`);
    return res.json();
  }
}

/** The user list's JSON → name → account; throws on anything but the documented shape. */
export function parseAccounts(body: unknown, network: NetworkParams): Map<string, KnownAccount> {
  const b = body as { err_no?: unknown; data?: unknown } | null;
  if (b?.err_no !== 0 || typeof b.data !== 'object' || b.data === null || Array.isArray(b.data))
    throw new Error('an account list is {"err_no": 0, "data": {name: id | {id, address}}}');
  const out = new Map<string, KnownAccount>();
  for (const [name, v] of Object.entries(b.data as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`account name '${name.slice(0, 80)}'`);
    const entry = typeof v === 'number' ? { id: v } : (v as { id?: unknown; address?: unknown });
    const id = entry?.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id))
      throw new Error(`account ${name}: id must be an integer`);
    let address: string | null = null;
    if (entry.address !== undefined && entry.address !== null) {
      if (typeof entry.address !== 'string') throw new Error(`account ${name}: address`);
      addressToScript(entry.address, network); // throws for another network's address
      address = entry.address;
    }
    out.set(name, { id, address });
  }
  return out;
}
