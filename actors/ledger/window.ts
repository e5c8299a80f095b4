// The window's storage (the PPLNS window, or the PROP round): one page per share record, holding the compact columns a window
// walk needs (account index, weight, share hash) in log order, and pruning once a page lies
// beyond any window a future block could ask for.
//
// A page is one ArrayBuffer, little-endian, written to LMDB as is:
//   [u32 count][u32 0][i32 account × count, padded to 8 bytes][f64 weight × count][32-byte hash × count]
// A SOLO share keeps its slot with weight 0 (it is in no window), so a share's position in the
// page equals its index in the record's `shares`, which is what a bill cites.

/** A page of the window: the shares of one `shares` record at log sequence `seq`. */
export interface WindowPage {
  readonly seq: number;
  readonly count: number;
  readonly accounts: Int32Array;
  readonly weights: Float64Array;
  /** 32 bytes per share: the share's hash in display order (as logged). */
  readonly hashes: Uint8Array;
  /** Σ weights (exact). */
  readonly total: bigint;
  /** The page's bytes (what LMDB stores). */
  readonly bytes: Uint8Array;
}

/** The retained pages, oldest first, with their total weight. */
export interface Window {
  pages: WindowPage[];
  total: bigint;
}

/** Pages are kept until the newer pages alone hold RETAIN_WINDOWS × the latest window. */
export const RETAIN_WINDOWS = 2n;

const HEADER = 8;

function layout(count: number): { acc: number; wts: number; hsh: number; size: number } {
  const acc = HEADER;
  const wts = acc + Math.ceil((count * 4) / 8) * 8;
  const hsh = wts + count * 8;
  return { acc, wts, hsh, size: hsh + count * 32 };
}

/** A page being filled by a share record; `finish` seals it with its total. */
export class PageBuilder {
  readonly #seq: number;
  readonly #buffer: ArrayBuffer;
  readonly #accounts: Int32Array;
  readonly #weights: Float64Array;
  readonly #hashes: Buffer;
  #count = 0;

  constructor(seq: number, capacity: number) {
    const l = layout(capacity);
    this.#seq = seq;
    this.#buffer = new ArrayBuffer(l.size);
    new DataView(this.#buffer).setUint32(0, capacity, true);
    this.#accounts = new Int32Array(this.#buffer, l.acc, capacity);
    this.#weights = new Float64Array(this.#buffer, l.wts, capacity);
    this.#hashes = Buffer.from(this.#buffer, l.hsh, capacity * 32);
  }

  /** Appends a share (weight 0 for a share that is in no window). */
  add(account: number, weight: number, hashHex: string): void {
    const i = this.#count++;
    this.#accounts[i] = account;
    this.#weights[i] = weight;
    this.#hashes.write(hashHex, i * 32, 32, 'hex');
  }

  finish(): WindowPage {
    return pageFromBuffer(this.#seq, this.#buffer);
  }
}

/** Exact Σ of integer weights (each ≤ 2^52): Number chunks flushed to bigint before 2^53. */
export function sumWeights(weights: Float64Array): bigint {
  let big = 0n;
  let lo = 0;
  for (let i = 0; i < weights.length; i++) {
    lo += weights[i] as number;
    if (lo >= 2 ** 52) {
      big += BigInt(lo);
      lo = 0;
    }
  }
  return big + BigInt(lo);
}

function pageFromBuffer(seq: number, buffer: ArrayBuffer): WindowPage {
  const count = new DataView(buffer).getUint32(0, true);
  const l = layout(count);
  const weights = new Float64Array(buffer, l.wts, count);
  return {
    seq,
    count,
    accounts: new Int32Array(buffer, l.acc, count),
    weights,
    hashes: new Uint8Array(buffer, l.hsh, count * 32),
    total: sumWeights(weights),
    bytes: new Uint8Array(buffer),
  };
}

/** A page read back from LMDB (copied into an aligned buffer). */
export function decodePage(seq: number, bytes: Uint8Array): WindowPage {
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return pageFromBuffer(seq, buffer);
}

/** The hash of share `index` of `page`, hex. */
export function pageHash(page: WindowPage, index: number): string {
  return Buffer.from(page.hashes.buffer, page.hashes.byteOffset + index * 32, 32).toString('hex');
}

/**
 * Appends a page; returns the seqs of pages pruned because no window of `latestTarget` (the
 * latest N; null: keep every page, as a PROP round does) can reach them.
 */
export function pushPage(w: Window, page: WindowPage, latestTarget: bigint | null): number[] {
  w.pages.push(page);
  w.total += page.total;
  if (latestTarget === null) return [];
  const keep = RETAIN_WINDOWS * latestTarget;
  let drop = 0;
  let total = w.total;
  while (drop < w.pages.length - 1) {
    const oldest = w.pages[drop] as WindowPage;
    if (total - oldest.total < keep) break;
    total -= oldest.total;
    drop++;
  }
  if (drop === 0) return [];
  const pruned = w.pages.splice(0, drop).map((p) => p.seq);
  w.total = total;
  return pruned;
}

/** Empties the window (a PROP round closed by a block); returns the seqs removed. */
export function clearWindow(w: Window): number[] {
  const seqs = w.pages.map((p) => p.seq);
  w.pages = [];
  w.total = 0n;
  return seqs;
}
