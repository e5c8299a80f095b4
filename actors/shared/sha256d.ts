// SHA-256 and double SHA-256 (Bitcoin's hash for headers, txids and merkle nodes) via
// node:crypto, for the paths that are not per-share hot (job building, merkle, block assembly,
// reference hashing in tests). Per-share hashing uses native hashSubmit. One-shot crypto.hash
// (Node 20.12+): no Hash object per call, about a quarter less time on block-sized inputs.
import { hash } from 'node:crypto';

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', data, 'buffer'));
}

/** sha256(sha256(data)), in internal byte order. */
export function sha256d(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', hash('sha256', data, 'buffer'), 'buffer'));
}
