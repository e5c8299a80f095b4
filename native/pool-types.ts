// Task and result shapes of the verifier pool (native/pool.ts -> native/worker.ts). Plain data:
// they cross a worker-thread boundary by structured clone. Bad items never throw: each comes
// back as { value: null, error: { code, message } } beside the good ones.
import type { BackendName, PrimeShareResult, SubmitRequest, SubmitResult } from './types.js';

export interface PrimeShareItem {
  header: Uint8Array;
  multiplier: bigint;
  shareNBits: number;
  blockNBits: number;
  /** nTargetMinLength of the network: 6 mainnet (default), 2 testnet. */
  minLength?: number;
}

export type VerifyTask =
  | { kind: 'hash-headers'; headers: Uint8Array }
  | { kind: 'hash-submit'; items: readonly SubmitRequest[] }
  | { kind: 'hash-submit-packed'; packed: Uint8Array; meta: Uint32Array }
  | { kind: 'prime-share'; items: readonly PrimeShareItem[] }
  | ({ kind: 'prime-share-packed' } & PackedPrimeShares);

/**
 * A batch of submits in the addon's own packed form (native/src/addon.cc HashSubmits), so a
 * batch crosses to the worker as two transferred buffers instead of a structured clone of
 * objects: `packed` holds per item coinbase1|en1|en2|coinbase2|branches|prevHash(32), `meta`
 * per item the five part lengths, then version, ntime, nbits, nonce (9 u32s).
 */
export interface PackedSubmits {
  readonly packed: Uint8Array;
  readonly meta: Uint32Array;
}

/**
 * The answer to a packed batch, one transferred buffer: n status bytes (1 = hashed, 0 = refused)
 * then n 32-byte hashes (internal byte order; zeros where refused).
 */
export type PackedHashes = Uint8Array;

export interface ItemError {
  code: string;
  message: string;
}

export type ItemResult<T> = { value: T; error: null } | { value: null; error: ItemError };

export type VerifyResult =
  | { kind: 'hash-headers'; backend: BackendName; hashes: ItemResult<Uint8Array> }
  | { kind: 'hash-submit'; backend: BackendName; results: ItemResult<SubmitResult>[] }
  | { kind: 'prime-share'; backend: BackendName; results: ItemResult<PrimeShareResult>[] };

export interface VerifierPoolOptions {
  /** Worker threads (default: available parallelism, at least 1). */
  threads?: number;
  /** 'auto' (default): the addon when it loads, else the twin; 'native' fails if it cannot load. */
  backend?: BackendName | 'auto';
}

export interface VerifierPool {
  readonly backend: BackendName;
  readonly threads: number;
  hashHeaders(headers: Uint8Array): Promise<ItemResult<Uint8Array>>;
  hashSubmits(items: readonly SubmitRequest[]): Promise<ItemResult<SubmitResult>[]>;
  /** The same hashes for a packed batch (both buffers are transferred: do not reuse them). */
  hashSubmitsPacked(batch: PackedSubmits): Promise<PackedHashes>;
  primeShares(items: readonly PrimeShareItem[]): Promise<ItemResult<PrimeShareResult>[]>;
  destroy(): Promise<void>;
}

/** Prime shares packed for one transfer to a worker (prime-pack.ts builds and reads them). */
export interface PackedPrimeShares {
  /** n × 80 header bytes. */
  readonly headers: Uint8Array;
  /** Per item: shareNBits, blockNBits, minLength (NO_MIN_LENGTH: the default). */
  readonly targets: Uint32Array;
  readonly multipliers: readonly bigint[];
}
