// The node's submit hasher: the native verifier pool (Piscina worker threads, one addon per
// thread) seen through the Share actor's SubmitHasher interface. A batch crosses to the worker
// packed into two transferred buffers (native/pool-types.ts PackedSubmits) and its hashes come
// back in one: no structured clone of per-share objects on the event loop.
import { availableParallelism } from 'node:os';
import { createVerifierPool, nativeImpl } from '../native/index.js';
import type { NativeImpl, VerifierPool } from '../native/index.js';
import { hashSubmitInput, type HashChecked, type SubmitHasher } from '../actors/share/index.js';
import { writeHex } from '../actors/shared/hex.js';

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
    hashSubmits: async (items) => {
      const n = items.length;
      if (n === 0) return [];
      const out = await pool.hashSubmitsPacked(packSubmits(items));
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
function hashNow(addon: NativeImpl): (items: readonly HashChecked[]) => (Uint8Array | null)[] {
  return (items) => {
    try {
      const inputs = items.map((c) => hashSubmitInput(c.bytes, c.submit, c.headerVersion));
      return addon.hashSubmits(inputs).map((r) => r.hash);
    } catch {
      return items.map(() => null);
    }
  };
}

/**
 * The addon's packed batch form: per item coinbase1|en1|en2|coinbase2|branches|prevHash, 9 u32s
 * of meta. The extranonces are decoded from the submit's hex in place: a batch costs two
 * allocations, not two buffers and an object per share. An item whose hex does not decode
 * throws HEX_INVALID.
 */
export function packSubmits(items: readonly HashChecked[]): {
  packed: Uint8Array;
  meta: Uint32Array;
} {
  let total = 0;
  for (const { bytes: b, submit: s } of items) {
    total += b.coinbase1.length + (s.extranonce1.length >> 1) + (s.extranonce2.length >> 1);
    total += b.coinbase2.length + b.merkleBranches.length + 32;
  }
  const packed = new Uint8Array(total);
  const meta = new Uint32Array(9 * items.length);
  let at = 0;
  let m = 0;
  for (const { bytes: b, submit: s, headerVersion } of items) {
    packed.set(b.coinbase1, at);
    at += meta[m++] = b.coinbase1.length;
    at += meta[m++] = writeHex(packed, at, s.extranonce1);
    at += meta[m++] = writeHex(packed, at, s.extranonce2);
    packed.set(b.coinbase2, at);
    at += meta[m++] = b.coinbase2.length;
    packed.set(b.merkleBranches, at);
    at += meta[m++] = b.merkleBranches.length;
    if (b.prevHash.length !== 32) throw new RangeError('a previous block hash is 32 bytes');
    packed.set(b.prevHash, at);
    at += 32;
    meta[m++] = headerVersion >>> 0;
    meta[m++] = Number.parseInt(s.ntime, 16) >>> 0;
    meta[m++] = b.nbits >>> 0;
    meta[m++] = Number.parseInt(s.nonce, 16) >>> 0;
  }
  return { packed, meta };
}
