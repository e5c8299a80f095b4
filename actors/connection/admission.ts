// Who may open a Stratum connection on this node, and the extranonce1 each one gets: nobody
// once the node drains or while its prefix claim is suspended, no IP banned until later than
// now, at most `maxPerIp` sockets open per IP; extranonce1 = the node's prefix byte ‖ a 3-byte
// counter, skipping values live sockets still hold (unique across the cluster, since prefixes
// are). No I/O; the clock is passed in.
//
// Bans spare honest neighbours (miners behind one NAT share an address): a connection that
// misbehaves is closed, and counts one strike against its address; only `strikes` strikes
// within `strikeWindowMs` ban the address (for banMs). Bans made elsewhere (another node, the
// `colliery bans` command) arrive by ban()/unban().

export interface AdmissionConfig {
  /** One byte per node, from the cluster's prefix registry. */
  readonly extranoncePrefix: number;
  readonly maxPerIp: number;
  readonly banMs: number;
  /** Misbehaving connections from one address, within strikeWindowMs, that ban it. */
  readonly strikes: number;
  readonly strikeWindowMs: number;
}

/** Addresses with recent strikes kept at most (the oldest strikes are forgotten first). */
const MAX_STRUCK = 100_000;

const EXTRANONCE_COUNTER_MAX = 0xffffff;

export class Admission {
  readonly #cfg: AdmissionConfig;
  /** Open sockets per IP (admitted, not yet released). */
  readonly #perIp = new Map<string, number>();
  /** IP → banned until (ms); an expired ban is dropped when that IP next connects. */
  readonly #bans = new Map<string, number>();
  /** IP → times of its recent strikes (within strikeWindowMs), oldest first. */
  readonly #strikes = new Map<string, number[]>();
  #counter = 0;
  #open = true;
  #paused = false;
  #prefix: number;

  constructor(cfg: AdmissionConfig) {
    this.#cfg = cfg;
    this.#prefix = cfg.extranoncePrefix;
  }

  /**
   * The extranonce1 for a new socket from `ip`, counted against the IP's limit until
   * `release(ip)`; null: refused (draining, banned, at the IP's limit, or every value live).
   */
  admit(ip: string, nowMs: number, live: (extranonce1: string) => boolean): string | null {
    const bannedUntil = this.#bans.get(ip);
    const open = this.#perIp.get(ip) ?? 0;
    if (!this.#open || this.#paused) return this.#refuse('closed');
    if (bannedUntil !== undefined && bannedUntil > nowMs) return this.#refuse('banned');
    if (open >= this.#cfg.maxPerIp) return this.#refuse('per-ip-limit');
    if (bannedUntil !== undefined) this.#bans.delete(ip);
    const en1 = this.#nextExtranonce1(live);
    if (en1 === null) return this.#refuse('no-extranonce');
    this.#perIp.set(ip, open + 1);
    return en1;
  }

  /** Why the last admit() refused: closed, banned, per-ip-limit, no-extranonce. */
  lastRefusal = '';

  #refuse(why: string): null {
    this.lastRefusal = why;
    return null;
  }

  /** An admitted socket from `ip` closed. */
  release(ip: string): void {
    const n = (this.#perIp.get(ip) ?? 1) - 1;
    if (n > 0) this.#perIp.set(ip, n);
    else this.#perIp.delete(ip);
  }

  /**
   * A connection from `ip` misbehaved (and was closed): true when that makes `strikes` within
   * the window, and the caller should ban the address (the strikes are then cleared).
   */
  strike(ip: string, nowMs: number): boolean {
    const since = nowMs - this.#cfg.strikeWindowMs;
    const times = (this.#strikes.get(ip) ?? []).filter((t) => t > since);
    times.push(nowMs);
    this.#strikes.delete(ip); // re-inserted last: the map stays in order of the latest strike
    if (times.length >= this.#cfg.strikes) return true;
    this.#strikes.set(ip, times);
    if (this.#strikes.size > MAX_STRUCK) this.#strikes.delete(this.#strikes.keys().next().value!);
    return false;
  }

  /** Refuses `ip` until `untilMs` (default: banMs from `nowMs`); returns the end. */
  ban(ip: string, nowMs: number, untilMs = nowMs + this.#cfg.banMs): number {
    this.#bans.set(ip, untilMs);
    return untilMs;
  }

  /** Lifts a ban on `ip`. */
  unban(ip: string): void {
    this.#bans.delete(ip);
  }

  /** Whether `ip` is banned at `nowMs`. */
  banned(ip: string, nowMs: number): boolean {
    return (this.#bans.get(ip) ?? 0) > nowMs;
  }

  /** Refuses new sockets until resume(): the node's prefix claim is not confirmed. */
  pause(): void {
    this.#paused = true;
  }

  /** Admits again, giving extranonce1 values under `prefix` from now on. */
  resume(prefix: number): void {
    this.#prefix = prefix;
    this.#paused = false;
  }

  /** Refuses every socket from now on (drain, stop). */
  close(): void {
    this.#open = false;
  }

  #nextExtranonce1(live: (extranonce1: string) => boolean): string | null {
    for (let i = 0; i <= EXTRANONCE_COUNTER_MAX; i++) {
      this.#counter = (this.#counter + 1) & EXTRANONCE_COUNTER_MAX;
      const en1 = ((this.#prefix << 24) | this.#counter) >>> 0;
      const hex = en1.toString(16).padStart(8, '0');
      if (!live(hex)) return hex;
    }
    return null;
  }
}
