// The node's submit hasher: the native verifier pool (Piscina worker threads, one addon per
// thread) seen through the Share actor's SubmitHasher interface. A batch crosses to the worker
// packed into two transferred buffers (native/pool-types.ts PackedSubmits) and its hashes come
// back in one: no structured clone of per-share objects on the event loop.
import { availableParallelism } from 'node:os';
import { createVerifierPool, nativeImpl } from '../native/index.js';
import type { NativeImpl, VerifierPool } from '../native/index.js';
import type { SubmitHasher } from '../actors/share/index.js';
import type { HashSubmitInput } from '../actors/shared/submit-hash.js';

export interface PoolHasher extends SubmitHasher {
  readonly pool: VerifierPool;
  readonly threads: number;
  close(): Promise<void>;
}

/** threads 0 = one per core but one (the event loop needs a core too), at least one. */
export function createPoolHasher(threads: number): PoolHasher {
  const pool = createVerifierPool({
    threads: threads > 0 ? threads : Math.max(1, availableParallelism() - 1),
  });
  return {
    pool,
    threads: pool.threads,
    hashSubmits: async (inputs) => {
      const n = inputs.length;
      if (n === 0) return [];
      const out = await pool.hashSubmitsPacked(packSubmits(inputs));
      const hashes: (Uint8Array | null)[] = new Array<Uint8Array | null>(n);
      for (let i = 0; i < n; i++)
        hashes[i] = out[i] === 1 ? out.subarray(n + 32 * i, n + 32 * i + 32) : null;
      return hashes;
    },
    ...(nativeImpl === null ? {} : { hashSubmitsNow: hashNow(nativeImpl) }),
    close: () => pool.destroy(),
  };
}

/**
 * hashSubmitsNow: the addon's own hashSubmits on this thread (for a lone share on an idle node,
 * where a worker round trip costs a hundred times the hash). A batch it refuses is all refused.
 */
function hashNow(addon: NativeImpl): (inputs: readonly HashSubmitInput[]) => (Uint8Array | null)[] {
  return (inputs) => {
    try {
      return addon.hashSubmits(inputs).map((r) => r.hash);
    } catch {
      return inputs.map(() => null);
    }
  };
}

/** The addon's packed batch form: per item coinbase1|en1|en2|coinbase2|branches|prevHash, 9 u32s of meta. */
export function packSubmits(inputs: readonly HashSubmitInput[]): {
  packed: Uint8Array;
  meta: Uint32Array;
} {
  let total = 0;
  for (const r of inputs) {
    total += r.coinbase1.length + r.extranonce1.length + r.extranonce2.length;
    total += r.coinbase2.length + r.merkleBranches.length + 32;
  }
  const packed = new Uint8Array(total);
  const meta = new Uint32Array(9 * inputs.length);
  let at = 0;
  let m = 0;
  for (const r of inputs) {
    packed.set(r.coinbase1, at);
    at += meta[m++] = r.coinbase1.length;
    packed.set(r.extranonce1, at);
    at += meta[m++] = r.extranonce1.length;
    packed.set(r.extranonce2, at);
    at += meta[m++] = r.extranonce2.length;
    packed.set(r.coinbase2, at);
    at += meta[m++] = r.coinbase2.length;
    packed.set(r.merkleBranches, at);
    at += meta[m++] = r.merkleBranches.length;
    packed.set(r.prevHash.subarray(0, 32), at);
    at += 32;
    meta[m++] = r.version >>> 0;
    meta[m++] = r.ntime >>> 0;
    meta[m++] = r.nbits >>> 0;
    meta[m++] = r.nonce >>> 0;
  }
  return { packed, meta };
}
