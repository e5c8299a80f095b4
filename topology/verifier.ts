// The node's submit hasher: the native verifier pool (Piscina worker threads, one addon per
// thread) seen through the Share actor's SubmitHasher interface.
import { availableParallelism } from 'node:os';
import { createVerifierPool, type VerifierPool } from '../native/index.js';
import type { SubmitHasher } from '../actors/share/actor.js';

export interface PoolHasher extends SubmitHasher {
  readonly pool: VerifierPool;
  close(): Promise<void>;
}

/** threads 0 = one per core but one (the event loop needs a core too), at least one. */
export function createPoolHasher(threads: number): PoolHasher {
  const pool = createVerifierPool({
    threads: threads > 0 ? threads : Math.max(1, availableParallelism() - 1),
  });
  return {
    pool,
    hashSubmits: async (inputs) =>
      (await pool.hashSubmits(inputs)).map((r) => (r.value ? r.value.hash : null)),
    close: () => pool.destroy(),
  };
}
