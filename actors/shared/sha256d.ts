// SHA-256 and double SHA-256 (Bitcoin's hash for headers, txids and merkle nodes) via
// node:crypto, for the paths that are not per-share hot (job building, merkle, block assembly,
// reference hashing in tests). Per-share hashing uses native hashSubmit.
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** sha256(sha256(data)), in internal byte order. */
export function sha256d(data: Uint8Array): Uint8Array {
  const first = createHash('sha256').update(data).digest();
  return new Uint8Array(createHash('sha256').update(first).digest());
}
