// Bitcoin merkle trees over 32-byte internal-order hashes, and the Stratum merkle branch: the
// sibling hashes on the coinbase's path to the root (docs/protocols/stratum-gbt.md §2.4).
//   node(a, b) = sha256d(a || b); an odd level duplicates its last element.
//   root from branch: root = coinbase_txid; for each h in branch: root = sha256d(root || h).
import { CodedError } from './errors.js';
import { concatBytes } from './hex.js';
import { sha256d } from './sha256d.js';

export const MERKLE_INVALID = 'MERKLE_INVALID';

/** The merkle root of `leaves` (internal order, index 0 = coinbase); throws on an empty list. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0)
    throw new CodedError(MERKLE_INVALID, 'a merkle tree needs at least one leaf');
  let level = leaves.map(check);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array;
      next.push(sha256d(concatBytes(left, level[i + 1] ?? left)));
    }
    level = next;
  }
  return level[0] as Uint8Array;
}

/**
 * The Stratum branch for the coinbase at index 0, given the other transactions' txids
 * (internal order, block order, coinbase excluded). Length = ceil(log2(n + 1)); empty for n = 0.
 * At each level, emit element 1, then hash the pairs from index 2 on into the next level, whose
 * element 0 is again the (unknown) coinbase path.
 */
export function merkleBranch(txids: readonly Uint8Array[]): Uint8Array[] {
  const branch: Uint8Array[] = [];
  // `null` marks the coinbase's position, whose value the pool does not know yet.
  let level: (Uint8Array | null)[] = [null, ...txids.map(check)];
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1] ?? null);
    branch.push(level[1] as Uint8Array);
    const next: (Uint8Array | null)[] = [null];
    for (let i = 2; i < level.length; i += 2) {
      next.push(sha256d(concatBytes(level[i] as Uint8Array, level[i + 1] as Uint8Array)));
    }
    level = next;
  }
  return branch;
}

/** Folds a branch onto the coinbase txid: the header's merkle root (internal order). */
export function merkleRootFromBranch(
  coinbaseTxid: Uint8Array,
  branch: readonly Uint8Array[],
): Uint8Array {
  let root = check(coinbaseTxid);
  for (const h of branch) root = sha256d(concatBytes(root, check(h)));
  return root;
}

function check(h: Uint8Array): Uint8Array {
  if (h.length !== 32)
    throw new CodedError(MERKLE_INVALID, `merkle nodes are 32 bytes, got ${h.length}`);
  return h;
}
