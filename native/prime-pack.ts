// Prime share batches in packed form for the verifier pool (pool.ts → worker.ts and back): the
// 80-byte headers in one buffer and the targets in a Uint32Array (both transferred), the
// multipliers as a bigint array; the answer is one moved buffer of fixed-size records (and the
// rare per-item errors after them). A structured clone of one object per share and per result cost more
// than a tenth of the addon's own time per share.
import type { ItemError, ItemResult, PackedPrimeShares, PrimeShareItem } from './pool-types.js';

export type { PackedPrimeShares } from './pool-types.js';
import type { ChainType, PowErrorCode, PrimeShareResult } from './types.js';

/**
 * The answer, one buffer moved back: n × RECORD_BYTES (layout below), then, when some item
 * failed (a record whose first byte is 0), those items' errors as UTF-8 JSON
 * (`[{ index, error: { code, message } }]`).
 */
export type PackedPrimeResults = Uint8Array;

export const NO_MIN_LENGTH = 0xffffffff;

// Record: [0] 1 = value | [1] chain words present | [2] chain type | [3] share error |
// [4] block error | [8..24) c1, c2, tw, length (u32 LE) | [32..64) header hash |
// [64..96) block hash. Types and errors are indexes into the tables below (0 = null).
const RECORD_BYTES = 96;
const TYPES: readonly (ChainType | null)[] = [null, '1CC', '2CC', 'TWN'];
const ERRORS: readonly (PowErrorCode | null)[] = [
  null,
  'invalid-target',
  'hash-under-limit',
  'origin-too-small',
  'origin-too-big',
  'chain-too-short',
  'not-normalized',
  'fermat-mismatch',
];

const isU32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** True for items of the packed shape; anything else goes through the per-item path. */
export function packable(item: PrimeShareItem): boolean {
  return (
    item !== null &&
    typeof item === 'object' &&
    item.header instanceof Uint8Array &&
    item.header.length === 80 &&
    typeof item.multiplier === 'bigint' &&
    isU32(item.shareNBits) &&
    isU32(item.blockNBits) &&
    (item.minLength === undefined || (isU32(item.minLength) && item.minLength !== NO_MIN_LENGTH))
  );
}

/** Packs items that are all `packable`. */
export function packPrimeShares(items: readonly PrimeShareItem[]): PackedPrimeShares {
  const headers = new Uint8Array(80 * items.length);
  const targets = new Uint32Array(3 * items.length);
  items.forEach((item, i) => {
    headers.set(item.header, 80 * i);
    targets[3 * i] = item.shareNBits;
    targets[3 * i + 1] = item.blockNBits;
    targets[3 * i + 2] = item.minLength ?? NO_MIN_LENGTH;
  });
  return { headers, targets, multipliers: items.map((item) => item.multiplier) };
}

/** The worker's side: judges every packed item with `check` into one record buffer. */
export function checkPackedPrimeShares(
  batch: PackedPrimeShares,
  check: (
    header: Uint8Array,
    multiplier: bigint,
    shareNBits: number,
    blockNBits: number,
    minLength: number | undefined,
  ) => PrimeShareResult,
): PackedPrimeResults {
  const n = batch.multipliers.length;
  const records = new Uint8Array(RECORD_BYTES * n);
  const view = new DataView(records.buffer);
  const errors: { index: number; error: ItemError }[] = [];
  for (let i = 0; i < n; i++) {
    const t = batch.targets;
    const min = t[3 * i + 2]!;
    let r: PrimeShareResult;
    try {
      r = check(
        batch.headers.subarray(80 * i, 80 * i + 80),
        batch.multipliers[i]!,
        t[3 * i]!,
        t[3 * i + 1]!,
        min === NO_MIN_LENGTH ? undefined : min,
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      errors.push({
        index: i,
        error: {
          code: typeof code === 'string' ? code : 'NATIVE_INTERNAL',
          message: err instanceof Error ? err.message : String(err),
        },
      });
      continue;
    }
    const at = RECORD_BYTES * i;
    records[at] = 1;
    records[at + 1] = r.chain === null ? 0 : 1;
    records[at + 2] = TYPES.indexOf(r.type);
    records[at + 3] = ERRORS.indexOf(r.shareError);
    records[at + 4] = ERRORS.indexOf(r.blockError);
    if (r.chain !== null) {
      view.setUint32(at + 8, r.chain.cunningham1, true);
      view.setUint32(at + 12, r.chain.cunningham2, true);
      view.setUint32(at + 16, r.chain.biTwin, true);
    }
    view.setUint32(at + 20, r.length, true);
    records.set(r.headerHash, at + 32);
    records.set(r.blockHash, at + 64);
  }
  if (errors.length === 0) return records;
  const tail = new TextEncoder().encode(JSON.stringify(errors));
  const out = new Uint8Array(records.length + tail.length);
  out.set(records);
  out.set(tail, records.length);
  return out;
}

/** The caller's side: the records as results (hashes are views into the one buffer). */
export function unpackPrimeResults(
  records: PackedPrimeResults,
  n: number,
): ItemResult<PrimeShareResult>[] {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const out = new Array<ItemResult<PrimeShareResult>>(n);
  if (records.length > RECORD_BYTES * n) {
    const tail = new TextDecoder().decode(records.subarray(RECORD_BYTES * n));
    for (const e of JSON.parse(tail) as { index: number; error: ItemError }[])
      out[e.index] = { value: null, error: e.error };
  }
  for (let i = 0; i < n; i++) {
    const at = RECORD_BYTES * i;
    if (records[at] !== 1) {
      out[i] ??= { value: null, error: { code: 'NATIVE_INTERNAL', message: 'no result' } };
      continue;
    }
    const shareError = ERRORS[records[at + 3]!] ?? null;
    const blockError = ERRORS[records[at + 4]!] ?? null;
    out[i] = {
      value: {
        headerHash: records.subarray(at + 32, at + 64),
        blockHash: records.subarray(at + 64, at + 96),
        chain:
          records[at + 1] === 1
            ? {
                cunningham1: view.getUint32(at + 8, true),
                cunningham2: view.getUint32(at + 12, true),
                biTwin: view.getUint32(at + 16, true),
              }
            : null,
        type: TYPES[records[at + 2]!] ?? null,
        length: view.getUint32(at + 20, true),
        shareOk: shareError === null,
        shareError,
        blockOk: blockError === null,
        blockError,
      },
      error: null,
    };
  }
  return out;
}
