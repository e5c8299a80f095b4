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
  | { kind: 'prime-share'; items: readonly PrimeShareItem[] };

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
  primeShares(items: readonly PrimeShareItem[]): Promise<ItemResult<PrimeShareResult>[]>;
  destroy(): Promise<void>;
}
