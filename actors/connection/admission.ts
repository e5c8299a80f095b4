// Who may open a Stratum connection on this node, and the extranonce1 each one gets: nobody
// once the node drains or while its prefix claim is suspended, no IP banned until later than
// now, at most `maxPerIp` sockets open per IP; extranonce1 = the node's prefix byte ‖ a 3-byte
// counter, skipping values live sockets still hold (unique across the cluster, since prefixes
// are). No I/O; the clock is passed in.

export interface AdmissionConfig {
  /** One byte per node, from the cluster's prefix registry. */
  readonly extranoncePrefix: number;
  readonly maxPerIp: number;
  readonly banMs: number;
}

const EXTRANONCE_COUNTER_MAX = 0xffffff;

export class Admission {
  readonly #cfg: AdmissionConfig;
  /** Open sockets per IP (admitted, not yet released). */
  readonly #perIp = new Map<string, number>();
  /** IP → banned until (ms); an expired ban is dropped when that IP next connects. */
  readonly #bans = new Map<string, number>();
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
    if (!this.#open || this.#paused || (bannedUntil !== undefined && bannedUntil > nowMs))
      return null;
    if (open >= this.#cfg.maxPerIp) return null;
    if (bannedUntil !== undefined) this.#bans.delete(ip);
    const en1 = this.#nextExtranonce1(live);
    if (en1 !== null) this.#perIp.set(ip, open + 1);
    return en1;
  }

  /** An admitted socket from `ip` closed. */
  release(ip: string): void {
    const n = (this.#perIp.get(ip) ?? 1) - 1;
    if (n > 0) this.#perIp.set(ip, n);
    else this.#perIp.delete(ip);
  }

  /** Refuses `ip` for banMs from `nowMs`. */
  ban(ip: string, nowMs: number): void {
    this.#bans.set(ip, nowMs + this.#cfg.banMs);
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
