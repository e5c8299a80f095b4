// Piscina worker of the verifier pool: loads the addon once per thread (or the twin, by the
// pool's choice) and verifies whole batches. Never throws a domain error: a bad item becomes a
// per-item error beside the good ones. Task and result shapes: pool-types.ts.
import { workerData } from 'piscina';
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

function pickImpl(wanted: BackendName | undefined): NativeImpl {
  if (wanted === 'twin') return twinImpl;
  const load = loadAddon();
  if (load.impl !== null) return load.impl;
  if (wanted === undefined) return twinImpl;
  throw new Error(`verifier worker: native addon unavailable: ${load.reason}`);
}

const impl = pickImpl((workerData as { backend?: BackendName } | undefined)?.backend);

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

export default function verify(task: VerifyTask): VerifyResult {
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
