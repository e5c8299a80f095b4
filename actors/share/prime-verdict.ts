// Prime share classification, pure: the verifier's consensus check of one share (native
// checkPrimeShare against the connection's share target and the job's block target) plus the
// job's freshness, the miner's chain-type claim and the duplicates seen so far → a verdict.
//   range errors         header hash < 2^255 → invalid; origin H·M outside [2^255, 2^2000 − 1]
//                        → bad-multiplier; not normalized → invalid (submit M/2);
//   duplicate            the block hash (header ‖ multiplier) was already accepted on this job;
//   stale                the job was superseded by a new previous block;
//   low-difficulty       no chain meets the share target;
//   invalid (claim)      the miner named a chain type that is not the one found;
//   accepted.
// `blockCandidate` is the full CheckPrimeProofOfWork against the block target (ELL chain test,
// Fermat double check, normalization): such a share goes to the Block actor even when stale or
// rejected for other reasons, as for hash shares.
import type { PrimeShareResult } from '../../native/index.js';
import { bytesToHex, reverseBytes } from '../shared/hex.js';

export interface PrimeShareContext {
  readonly freshness: 'current' | 'stale';
  /** The connection's share target (chain length word). */
  readonly shareTarget: number;
  /** The job's nBits. */
  readonly blockTarget: number;
  /** The chain type the miner claimed (upper case), or null. */
  readonly claim: string | null;
  /** True when this block hash (display hex) was already accepted on the job. */
  readonly seen: (blockHash: string) => boolean;
}

interface Found {
  readonly blockCandidate: boolean;
  /** Display order. */
  readonly blockHash: string;
  readonly headerHash: string;
  readonly type: string | null;
  /** Best chain word. */
  readonly length: number;
}

export type PrimeVerdict =
  | ({ readonly kind: 'accepted' } & Found)
  | ({ readonly kind: 'low-difficulty'; readonly reason: string } & Found)
  | ({ readonly kind: 'stale'; readonly reason: string } & Found)
  | ({ readonly kind: 'duplicate'; readonly reason: string } & Found)
  | ({ readonly kind: 'bad-multiplier' | 'invalid'; readonly reason: string } & Found);

/** `07.fd7624`-style text of a chain length word (TargetToString). */
export function wordText(word: number): string {
  return `${(word >>> 24).toString(16).padStart(2, '0')}.${(word & 0xffffff).toString(16).padStart(6, '0')}`;
}

export function classifyPrimeShare(r: PrimeShareResult, ctx: PrimeShareContext): PrimeVerdict {
  const found: Found = {
    blockCandidate: r.blockOk,
    blockHash: bytesToHex(reverseBytes(r.blockHash)),
    headerHash: bytesToHex(reverseBytes(r.headerHash)),
    type: r.type,
    length: r.length,
  };
  const chain = r.type === null ? 'no chain' : `${r.type}${wordText(r.length)}`;
  switch (r.shareError) {
    case 'hash-under-limit':
      return { kind: 'invalid', reason: 'header hash below 2^255 (use another nonce)', ...found };
    case 'origin-too-small':
      return { kind: 'bad-multiplier', reason: 'origin out of range (below 2^255)', ...found };
    case 'origin-too-big':
      return { kind: 'bad-multiplier', reason: 'origin out of range (above 2^2000-1)', ...found };
    case 'not-normalized':
      return {
        kind: 'invalid',
        reason: 'multiplier not normalized: half of it gives a longer chain',
        ...found,
      };
    case 'invalid-target':
    case 'fermat-mismatch':
      return { kind: 'invalid', reason: r.shareError, ...found };
    case 'chain-too-short':
    case null:
      break;
  }
  if (ctx.seen(found.blockHash))
    return { kind: 'duplicate', reason: 'same block hash', ...found, blockCandidate: false };
  if (ctx.freshness === 'stale') return { kind: 'stale', reason: 'superseded', ...found };
  if (r.shareError === 'chain-too-short') {
    const reason = `${chain} below share target ${wordText(ctx.shareTarget)}`;
    return { kind: 'low-difficulty', reason, ...found };
  }
  if (ctx.claim !== null && ctx.claim !== r.type)
    return { kind: 'invalid', reason: `claimed ${ctx.claim}, found ${chain}`, ...found };
  return { kind: 'accepted', ...found };
}
