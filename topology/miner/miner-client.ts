// The Stratum half both our miners share (hash and prime): connect, optional version-rolling
// configure, subscribe, authorize, follow set_difficulty / notify / client.reconnect, submit and
// count the pool's answers by reason. Subclasses search; they hear of work through the hooks.
// `persistent` (colliery miner) keeps reconnecting with backoff when the pool cannot be reached
// or goes away; without it start() fails and a lost connection is only reported (the demo).
// client.reconnect [host, port, wait] moves the miner to that address (a draining node names a
// sibling): it submits nothing more there, waits for the answers to what it sent, and connects
// to the named address after `wait` seconds; when that address cannot be reached it goes back
// to the one it was started with. Without params it reconnects to the same address.
import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { hexToBytes } from '../../actors/shared/hex.js';
import { rejectReason } from './reject-reasons.js';
import { StratumWire, type WireMessage, type WireTls } from './stratum-wire.js';

export interface ClientOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  userAgent?: string;
  versionRolling?: boolean;
  /** Reconnect with backoff (0.5 s doubling to 30 s) instead of failing or giving up. */
  persistent?: boolean;
  /** The local address to connect from (tests: miners sharing one address, as behind a NAT). */
  localAddress?: string;
  /** Stratum over TLS (with the CA to check the pool by). */
  tls?: WireTls;
}

/** What the pool answered to our submits. */
export interface SubmitStats {
  submitted: number;
  accepted: number;
  rejected: number;
  /** Rejections by Stratum error code ('21': 1). */
  rejectCodes: Record<string, number>;
  /** Rejections by reason ('stale': 1, 'low difficulty': 2; reject-reasons.ts). */
  rejectedBy: Record<string, number>;
  /** Accepted shares that also met the block target (block candidates the pool took). */
  blocks: number;
}

export function emptySubmitStats(): SubmitStats {
  return { submitted: 0, accepted: 0, rejected: 0, rejectCodes: {}, rejectedBy: {}, blocks: 0 };
}

/** What a submit was: reported with the answer. */
interface Submitted {
  readonly hash: string | undefined;
  readonly block: boolean;
}

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const AUTHORIZE_TIMEOUT_MS = 30_000;
/** A connection that lasted this long was fine: after it drops, reconnect without waiting. */
const STABLE_MS = 10_000;
/** After client.reconnect: how long the answers to shares already sent are waited for. */
const ANSWERS_WAIT_MS = 5_000;
/** Redirects before authorizing followed at once; more (pools sending it round) back off. */
const MAX_QUICK_REDIRECTS = 3;
/** The longest `wait` of a client.reconnect that is honoured. */
const MAX_RECONNECT_WAIT_MS = 60_000;

interface PoolAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Events: 'authorized', 'auth-refused' (err), 'job' (id), 'accepted' (hash?), 'rejected' (error),
 * 'disconnected', 'reconnect-requested' (the named host:port, or null: the same address),
 * 'connect-failed' (err, retryMs), 'socket-error' (err), 'protocol-error' (err).
 */
export abstract class MinerClient extends EventEmitter {
  readonly #c: Required<Omit<ClientOptions, 'localAddress' | 'tls'>> &
    Pick<ClientOptions, 'localAddress' | 'tls'>;
  abstract readonly stats: SubmitStats;
  #wire: StratumWire | null = null;
  #running = false;
  #everAuthorized = false;
  #extranonce1: Uint8Array = new Uint8Array(0);
  #extranonce2Size = 4;
  #versionMask = 0;
  /** What each submit awaiting its answer was. */
  readonly #submitted = new Map<number, Submitted>();
  /** Where it connects: the address it was started with, or one a client.reconnect named. */
  #at: PoolAddress;
  readonly #home: PoolAddress;
  /** The connection a client.reconnect asked it to leave (it submits nothing more there). */
  #leaving: StratumWire | null = null;
  /** After a client.reconnect: wait this long before connecting again (null: none asked). */
  #redirectWaitMs: number | null = null;

  protected constructor(options: ClientOptions, userAgent: string) {
    super();
    this.#c = {
      password: 'x',
      userAgent,
      versionRolling: false,
      persistent: false,
      ...options,
    };
    this.#home = { host: options.host, port: options.port };
    this.#at = this.#home;
  }

  /** The pool's host:port (the one a client.reconnect named, once it did). */
  get pool(): string {
    return `${this.#at.host}:${this.#at.port}`;
  }

  /**
   * Connects, authorizes, starts searching; resolves once authorized. Persistent: retries with
   * backoff until authorized (fails only when the pool refuses the worker on the first try).
   */
  async start(): Promise<void> {
    this.#running = true;
    if (this.#c.persistent) await this.#connectWithBackoff(0);
    else await this.#connect();
    if (this.#running) this.startSearch();
  }

  /**
   * Closes the connection (no reconnect after this) and stops searching; resolves once the
   * search has stopped (worker threads exited).
   */
  stop(): Promise<void> {
    this.#running = false;
    this.#wire?.destroy();
    this.#wire = null;
    return this.stopSearch();
  }

  /**
   * Leaves politely, as after a client.reconnect: submits nothing more, closes once the shares
   * already sent are answered (at most ANSWERS_WAIT_MS), then stops as stop() does.
   */
  async finish(): Promise<void> {
    this.#running = false; // no reconnect when the connection closes
    const wire = this.#wire;
    if (wire !== null && !wire.closed) {
      const closed = once(wire.socket, 'close');
      if (wire !== this.#leaving) this.#leave(wire);
      await closed;
    }
    await this.stop();
  }

  /** Connected to the pool (authorized or about to be). */
  get connected(): boolean {
    return this.#wire !== null && !this.#wire.closed;
  }

  protected get extranonce1(): Uint8Array {
    return this.#extranonce1;
  }
  protected get extranonce2Size(): number {
    return this.#extranonce2Size;
  }
  protected get versionMask(): number {
    return this.#versionMask;
  }
  protected get username(): string {
    return this.#c.username;
  }

  /** Starts the search once (idle until there is work); later calls do nothing. */
  protected abstract startSearch(): void;
  protected abstract stopSearch(): Promise<void>;
  /** A mining.notify (params as sent); the subclass emits 'job'. */
  protected abstract onNotify(params: unknown[]): void;
  protected abstract onDifficulty(difficulty: number): void;
  /** The connection is gone: its work (extranonce1, jobs) is no longer worth searching. */
  protected abstract onDisconnected(): void;

  /** Sends a share; `hash` (display order) is reported with "accepted". */
  protected submit(params: unknown[], found: Submitted): void {
    if (!this.#wire || this.#wire.closed || this.#wire === this.#leaving) return;
    this.stats.submitted++;
    this.#submitted.set(this.#wire.send('mining.submit', params), found);
  }

  async #connect(): Promise<void> {
    const wire = await StratumWire.open(
      this.#at.host,
      this.#at.port,
      (m, method) => this.#onMessage(m, method),
      (err) => this.emit('protocol-error', err),
      this.#c.localAddress,
      this.#c.tls,
    );
    if (!this.#running) {
      wire.destroy();
      throw Object.assign(new Error('miner stopped'), { code: 'STOPPED' });
    }
    this.#wire = wire;
    this.#versionMask = 0; // until this connection's configure says otherwise
    const socket = wire.socket;
    socket.on('error', (e) => this.emit('socket-error', e));
    socket.on('close', () => this.#onClose(wire));
    const authorized = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no answer to mining.authorize in ${AUTHORIZE_TIMEOUT_MS / 1000} s`));
        wire.destroy();
      }, AUTHORIZE_TIMEOUT_MS);
      const settle = (err?: Error) => {
        clearTimeout(timer);
        this.off('authorized', onAuthorized);
        this.off('auth-refused', onRefused);
        socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onAuthorized = () => settle();
      const onRefused = (err: Error) => {
        settle(err);
        wire.destroy();
      };
      const onClose = () => settle(new Error('connection closed before authorization'));
      this.once('authorized', onAuthorized);
      this.once('auth-refused', onRefused);
      socket.once('close', onClose);
    });
    if (this.#c.versionRolling) {
      wire.send('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
    }
    wire.send('mining.subscribe', [this.#c.userAgent]);
    wire.send('mining.authorize', [this.#c.username, this.#c.password]);
    await authorized;
    this.#everAuthorized = true;
    this.#authorizedAt = Date.now();
  }

  #onClose(wire: StratumWire): void {
    if (this.#wire !== wire && this.#wire !== null) return; // a replaced connection's late close
    this.#wire = null;
    this.#leaving = null;
    this.#submitted.clear();
    this.onDisconnected();
    this.emit('disconnected');
    const redirectWaitMs = this.#redirectWaitMs;
    this.#redirectWaitMs = null;
    if (redirectWaitMs !== null && this.#running) return this.#follow(redirectWaitMs);
    if (!this.#running || !this.#c.persistent || !this.#everAuthorized) return;
    // A connection that lived a while: come back at once; one that keeps dropping: back off.
    const lived = Date.now() - this.#authorizedAt >= STABLE_MS;
    void this.#connectWithBackoff(lived ? 0 : this.#nextDelay(this.#lastDelayMs)).catch(
      (err: unknown) => this.emit('socket-error', err),
    );
  }

  /** Connects where a client.reconnect said, after its wait. */
  #follow(waitMs: number): void {
    const fail = (e: unknown) => this.emit('socket-error', e);
    if (this.#c.persistent) return void this.#connectWithBackoff(waitMs).catch(fail);
    // Not persistent: once, as the demo miners always did.
    void sleep(Math.max(100, waitMs)).then(() =>
      this.#running ? this.#connect().catch(fail) : undefined,
    );
  }

  #nextDelay(delayMs: number): number {
    return Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_FIRST_MS, delayMs * 2));
  }

  /**
   * Connects until authorized: the first try after `delayMs`, then with backoff. One loop at a
   * time; ends quietly on stop(). A refused worker ends it only before any authorization.
   */
  async #connectWithBackoff(delayMs: number): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    let redirects = 0;
    try {
      for (;;) {
        this.#lastDelayMs = delayMs;
        if (delayMs > 0) await sleep(delayMs);
        if (!this.#running) return;
        const tried = this.#at;
        try {
          return await this.#connect();
        } catch (err) {
          if (!this.#running) return;
          if ((err as { code?: string }).code === 'AUTH_REFUSED' && !this.#everAuthorized)
            throw err;
          if (this.#at !== tried) {
            // The pool named another address before closing (a full node's redirect): go now,
            // unless pools keep sending it round (then with backoff, as any failure).
            delayMs = ++redirects <= MAX_QUICK_REDIRECTS ? 0 : this.#nextDelay(delayMs);
            continue;
          }
          // A named address that cannot be reached: back to the one we were started with.
          if (this.#at !== this.#home) this.#at = this.#home;
          delayMs = this.#nextDelay(delayMs);
          this.emit('connect-failed', err, delayMs);
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }
  #reconnecting = false;
  #lastDelayMs = 0;
  #authorizedAt = 0;

  #onMessage(m: WireMessage, method: string | undefined): void {
    if (typeof m.method === 'string')
      return this.#onNotification(m.method, (m.params ?? []) as unknown[]);
    const error = m.error;
    if (method === 'mining.subscribe' && Array.isArray(m.result)) {
      this.#extranonce1 = hexToBytes(m.result[1] as string);
      this.#extranonce2Size = m.result[2] as number;
    } else if (method === 'mining.configure' && m.result) {
      const r = m.result as Record<string, unknown>;
      if (r['version-rolling'] === true)
        this.#versionMask = parseInt(r['version-rolling.mask'] as string, 16);
    } else if (method === 'mining.authorize') {
      if (m.result === true) this.emit('authorized');
      else
        this.emit(
          'auth-refused',
          Object.assign(new Error(`authorization refused: ${JSON.stringify(error)}`), {
            code: 'AUTH_REFUSED',
          }),
        );
    } else if (method === 'mining.submit') {
      const found = this.#submitted.get(m.id as number);
      this.#submitted.delete(m.id as number);
      this.#onAnswer(m.result === true, error, found);
      if (this.#leaving !== null && this.#submitted.size === 0) this.#leaving.destroy();
    }
  }

  #onAnswer(accepted: boolean, error: unknown, found: Submitted | undefined): void {
    const s = this.stats;
    if (accepted) {
      s.accepted++;
      if (found?.block) s.blocks++;
      this.emit('accepted', found?.hash);
      return;
    }
    s.rejected++;
    const code = String((Array.isArray(error) ? (error[0] as unknown) : undefined) ?? '?');
    s.rejectCodes[code] = (s.rejectCodes[code] ?? 0) + 1;
    const reason = rejectReason(error);
    s.rejectedBy[reason] = (s.rejectedBy[reason] ?? 0) + 1;
    this.emit('rejected', error);
  }

  #onNotification(method: string, params: unknown[]): void {
    if (method === 'mining.set_difficulty') this.onDifficulty(Number(params[0]));
    else if (method === 'mining.notify') this.onNotify(params);
    else if (method === 'client.reconnect') this.#onReconnect(params);
  }

  /**
   * client.reconnect [host, port, wait]: every param optional (the same host, the same port, no
   * wait). The port may come as a string (ckpool, what cgminer reads) or a number.
   */
  #onReconnect(params: unknown[]): void {
    const wire = this.#wire;
    if (wire === null || wire === this.#leaving) return;
    const [host, port, wait] = params;
    const p = Number(port);
    const named = {
      host: typeof host === 'string' && host !== '' ? host : this.#at.host,
      port: Number.isInteger(p) && p > 0 && p <= 65535 ? p : this.#at.port,
    };
    const w = Number(wait);
    const waitMs = Number.isFinite(w) && w > 0 ? Math.min(w * 1000, MAX_RECONNECT_WAIT_MS) : 0;
    const moved = named.host !== this.#at.host || named.port !== this.#at.port;
    if (moved) this.#at = named;
    this.emit('reconnect-requested', moved ? `${named.host}:${named.port}` : null);
    this.#redirectWaitMs = waitMs;
    // Shares already sent are answered before the pool closes (a draining node waits for them).
    this.#leave(wire);
  }

  /** Submits nothing more on `wire`; closes it once what was sent is answered (or after ANSWERS_WAIT_MS). */
  #leave(wire: StratumWire): void {
    this.#leaving = wire;
    if (this.#submitted.size === 0) return wire.destroy();
    setTimeout(() => wire.destroy(), ANSWERS_WAIT_MS).unref();
  }
}
