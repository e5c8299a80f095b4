// Piscina worker of the verifier pool: loads the addon once per thread (or the twin, by the
// pool's choice) and verifies whole batches. Never throws a domain error: a bad item becomes a
// per-item error beside the good ones. Task and result shapes: pool-types.ts.
import { move, workerData } from 'piscina';
import { loadAddon } from './loader.js';
import { twinImpl } from './twin.js';
import { badInput } from './errors.js';
import type {
  ItemError,
  ItemResult,
  PrimeShareItem,
  VerifyResult,
  VerifyTask,
} from './pool-types.js';
import type { BackendName, NativeImpl, SubmitRequest, SubmitResult } from './types.js';
import { checkSubmit } from './validate.js';
import { checkPackedPrimeShares } from './prime-pack.js';

function pickImpl(wanted: BackendName | undefined): NativeImpl {
  if (wanted === 'twin') return twinImpl;
  const load = loadAddon();
  if (load.impl !== null) return load.impl;
  if (wanted === undefined) return twinImpl;
  throw new Error(`verifier worker: native addon unavailable: ${load.reason}`);
}

const impl = pickImpl((workerData as { backend?: BackendName } | undefined)?.backend);
/** The raw addon when this thread runs it: packed batches then go to C as they came. */
const raw = impl.backend === 'native' ? loadAddon().raw : null;

function checkShareItem(item: unknown): PrimeShareItem {
  if (typeof item !== 'object' || item === null)
    throw badInput('prime share item must be an object');
  return item as PrimeShareItem;
}

function asItemError(err: unknown): ItemError {
  const code = (err as { code?: unknown }).code;
  return {
    code: typeof code === 'string' ? code : 'NATIVE_INTERNAL',
    message: err instanceof Error ? err.message : String(err),
  };
}

function attempt<T>(run: () => T): ItemResult<T> {
  try {
    return { value: run(), error: null };
  } catch (err) {
    return { value: null, error: asItemError(err) };
  }
}

// Validate each item on its own, then hash every good one in a single call into C.
function hashSubmits(items: readonly unknown[]): ItemResult<SubmitResult>[] {
  const checked = items.map((item) => attempt(() => checkSubmit(item)));
  const good = checked.flatMap((c) => (c.error === null ? [c.value as SubmitRequest] : []));
  const hashed = impl.hashSubmits(good);
  let next = 0;
  return checked.map((c) => (c.error === null ? { value: hashed[next++]!, error: null } : c));
}

const META_FIELDS = 9;

/** A packed batch as SubmitRequests viewing the packed bytes (no copies); null if inconsistent. */
function unpackSubmits(packed: Uint8Array, meta: Uint32Array): SubmitRequest[] | null {
  const n = Math.floor(meta.length / META_FIELDS);
  const reqs: SubmitRequest[] = [];
  let at = 0;
  const take = (len: number): Uint8Array => packed.subarray(at, (at += len));
  for (let i = 0; i < n; i++) {
    const m = META_FIELDS * i;
    if (
      at + meta[m]! + meta[m + 1]! + meta[m + 2]! + meta[m + 3]! + meta[m + 4]! + 32 >
      packed.length
    )
      return null;
    reqs.push({
      coinbase1: take(meta[m]!),
      extranonce1: take(meta[m + 1]!),
      extranonce2: take(meta[m + 2]!),
      coinbase2: take(meta[m + 3]!),
      merkleBranches: take(meta[m + 4]!),
      prevHash: take(32),
      version: meta[m + 5]!,
      ntime: meta[m + 6]!,
      nbits: meta[m + 7]!,
      nonce: meta[m + 8]!,
    });
  }
  return meta.length % META_FIELDS === 0 && at === packed.length ? reqs : null;
}

/**
 * A packed batch (pool-types.ts PackedSubmits) → n status bytes then n hashes, in one buffer
 * moved back to the caller. A batch whose lengths do not add up is refused as a whole.
 */
function hashSubmitsPacked(packed: Uint8Array, meta: Uint32Array): Uint8Array {
  const n = Math.floor(meta.length / META_FIELDS);
  const out = new Uint8Array(n * 33);
  const hashAt = (i: number): number => n + 32 * i;
  if (raw !== null) {
    let hashed: Uint8Array | null = null;
    try {
      hashed = raw.hashSubmits(packed, meta);
    } catch {
      return out; // the C core checked the lengths and refused the batch: all refused
    }
    for (let i = 0; i < n; i++) {
      out[i] = 1;
      out.set(hashed.subarray(112 * i + 80, 112 * i + 112), hashAt(i));
    }
    return out;
  }
  const reqs = unpackSubmits(packed, meta);
  if (reqs === null) return out;
  hashSubmits(reqs).forEach((r, i) => {
    if (r.value === null) return;
    out[i] = 1;
    out.set(r.value.hash, hashAt(i));
  });
  return out;
}

export default function verify(task: VerifyTask): VerifyResult | ReturnType<typeof move> {
  const backend = impl.backend;
  switch (task?.kind) {
    case 'hash-headers':
      return {
        kind: 'hash-headers',
        backend,
        hashes: attempt(() => impl.hashHeaders(task.headers)),
      };
    case 'hash-submit':
      return {
        kind: 'hash-submit',
        backend,
        results: Array.isArray(task.items) ? hashSubmits(task.items) : [],
      };
    case 'hash-submit-packed':
      return move(hashSubmitsPacked(task.packed, task.meta));
    case 'prime-share-packed':
      return move(checkPackedPrimeShares(task, (...args) => impl.checkPrimeShare(...args)));
    case 'prime-share':
      return {
        kind: 'prime-share',
        backend,
        results: (Array.isArray(task.items) ? task.items : []).map((raw) =>
          attempt(() => {
            const item = checkShareItem(raw);
            return impl.checkPrimeShare(
              item.header,
              item.multiplier,
              item.shareNBits,
              item.blockNBits,
              item.minLength,
            );
          }),
        ),
      };
    default:
      throw new Error(
        `verifier worker: unknown task kind ${String((task as { kind?: unknown })?.kind)}`,
      );
  }
}
