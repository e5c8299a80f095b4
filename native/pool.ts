// The verifier pool: a Piscina pool of worker threads (native/worker.ts), each holding the addon
// (or the twin), taking whole batches so one message carries many shares. Shapes: pool-types.ts.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { NativeError, NativeErrorCode } from './errors.js';
import { loadAddon } from './loader.js';
import type {
  ItemResult,
  PackedHashes,
  VerifierPool,
  VerifierPoolOptions,
  VerifyResult,
  VerifyTask,
} from './pool-types.js';
import type { BackendName, PrimeShareResult } from './types.js';
import {
  packable,
  packPrimeShares,
  unpackPrimeResults,
  type PackedPrimeResults,
  type PackedPrimeShares,
} from './prime-pack.js';

function resolveBackend(wanted: BackendName | 'auto'): BackendName {
  if (wanted === 'twin') return 'twin';
  const load = loadAddon();
  if (load.impl !== null) return 'native';
  if (wanted === 'native') {
    throw new NativeError(NativeErrorCode.Unavailable, `native addon unavailable: ${load.reason}`);
  }
  return 'twin';
}

async function runPackedPrimeShares(
  piscina: Piscina,
  batch: PackedPrimeShares,
): Promise<ItemResult<PrimeShareResult>[]> {
  const answer = (await piscina.run(
    { kind: 'prime-share-packed', ...batch },
    { transferList: [batch.headers.buffer as ArrayBuffer, batch.targets.buffer as ArrayBuffer] },
  )) as unknown as PackedPrimeResults;
  return unpackPrimeResults(answer, batch.multipliers.length);
}

export function createVerifierPool(options: VerifierPoolOptions = {}): VerifierPool {
  const backend = resolveBackend(options.backend ?? 'auto');
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const piscina = new Piscina<VerifyTask, VerifyResult>({
    filename: new URL('./worker-entry.cjs', import.meta.url).href, // see worker-entry.cts
    minThreads: threads,
    maxThreads: threads,
    workerData: { backend },
  });
  const run = async <K extends VerifyTask['kind']>(
    task: Extract<VerifyTask, { kind: K }>,
  ): Promise<Extract<VerifyResult, { kind: K }>> =>
    (await piscina.run(task)) as Extract<VerifyResult, { kind: K }>;
  return {
    backend,
    threads,
    hashHeaders: async (headers) => (await run({ kind: 'hash-headers', headers })).hashes,
    hashSubmits: async (items) => (await run({ kind: 'hash-submit', items })).results,
    hashSubmitsPacked: async ({ packed, meta }) =>
      (await piscina.run(
        { kind: 'hash-submit-packed', packed, meta },
        { transferList: [packed.buffer as ArrayBuffer, meta.buffer as ArrayBuffer] },
      )) as unknown as PackedHashes,
    primeShares: async (items) => {
      // Well-formed items travel packed (prime-pack.ts); malformed ones keep the per-item
      // path, so each still comes back with its own error.
      const good = items.filter(packable);
      const [packed, odd] = await Promise.all([
        good.length === 0 ? null : runPackedPrimeShares(piscina, packPrimeShares(good)),
        good.length === items.length
          ? null
          : run({ kind: 'prime-share', items: items.filter((i) => !packable(i)) }),
      ]);
      if (odd === null) return packed ?? [];
      let g = 0;
      let o = 0;
      return items.map((i) => (packable(i) ? packed![g++]! : odd.results[o++]!));
    },
    destroy: () => piscina.destroy(),
  };
}
