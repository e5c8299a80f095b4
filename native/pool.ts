// The verifier pool: a Piscina pool of worker threads (native/worker.ts), each holding the addon
// (or the twin), taking whole batches so one message carries many shares. Shapes: pool-types.ts.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { NativeError, NativeErrorCode } from './errors.js';
import { loadAddon } from './loader.js';
import type {
  PackedHashes,
  VerifierPool,
  VerifierPoolOptions,
  VerifyResult,
  VerifyTask,
} from './pool-types.js';
import type { BackendName } from './types.js';

function resolveBackend(wanted: BackendName | 'auto'): BackendName {
  if (wanted === 'twin') return 'twin';
  const load = loadAddon();
  if (load.impl !== null) return 'native';
  if (wanted === 'native') {
    throw new NativeError(NativeErrorCode.Unavailable, `native addon unavailable: ${load.reason}`);
  }
  return 'twin';
}

export function createVerifierPool(options: VerifierPoolOptions = {}): VerifierPool {
  const backend = resolveBackend(options.backend ?? 'auto');
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const piscina = new Piscina<VerifyTask, VerifyResult>({
    filename: new URL('./worker.js', import.meta.url).href,
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
    primeShares: async (items) => (await run({ kind: 'prime-share', items })).results,
    destroy: () => piscina.destroy(),
  };
}
