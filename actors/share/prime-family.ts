// The prime family of the Share actor: the submit's checks (multiplier encoding, shape, ntime
// window) and its 80-byte header built on the event loop; verification in the verifier pool's
// `prime-share` task (native checkPrimeShare: the consensus check against the share target and,
// for candidates, the full CheckPrimeProofOfWork against the block target); the verdict
// (prime-verdict.ts, duplicates judged on the block hash per job); per-worker chain statistics
// (prime-stats.ts); and the share's weight, its expected block contribution
// (actors/shared/prime-share-value.ts).
import { decodeMultiplier } from '../../native/index.js';
import type { ItemResult, PrimeShareItem, PrimeShareResult } from '../../native/index.js';
import type { JobWork } from '../job/index.js';
import { hexToBytes, u32FromHex } from '../shared/hex.js';
import {
  primeNetWeight,
  primeShareWeight,
  wordOfLength,
  type PrimeWorkModel,
} from '../shared/prime-share-value.js';
import { submitHeader } from '../shared/submit-hash.js';
import type { Checked, FamilyJob, Judged, ShareFamily } from './family.js';
import { bytesForPayout, hashSubmitInput, jobBytes, shareSubmitOf } from './header.js';
import type { JobWithBytes } from './header.js';
import { PrimeWorkers, type PrimeStatsConfig } from './prime-stats.js';
import { classifyPrimeShare, wordText } from './prime-verdict.js';
import { precheckSubmit } from './verdict.js';

/** Verifies prime shares off the event loop (the verifier pool's `prime-share` task). */
export interface PrimeVerifier {
  primeShares(items: readonly PrimeShareItem[]): Promise<ItemResult<PrimeShareResult>[]>;
  /** Threads behind primeShares: the actor keeps at most two batches per thread there. Absent: no limit. */
  readonly threads?: number;
}

export interface PrimeFamilyConfig {
  readonly verifier: PrimeVerifier;
  readonly model: PrimeWorkModel;
  /** The network's nTargetMinLength (block targets below it are invalid). */
  readonly minLength: number;
  /** The block subsidy of a job (prime: TargetGetMint of its nBits). */
  readonly subsidySats: (work: JobWork) => bigint;
  readonly stats: PrimeStatsConfig;
  /** Log each worker's estimate every this many accepted shares. */
  readonly statsLogEvery: number;
}

export interface PrimeJob extends FamilyJob, JobWithBytes {
  readonly bits: number;
  /** Block hashes accepted on this job (duplicates). */
  readonly seen: Set<string>;
}

export interface PrimeChecked extends Checked {
  readonly item: PrimeShareItem;
  /** The connection's share target, a chain length word. */
  readonly shareTarget: number;
}

export type PrimeFamily = ShareFamily<PrimeJob, PrimeChecked, ItemResult<PrimeShareResult>>;

export function primeFamily(cfg: PrimeFamilyConfig): PrimeFamily {
  const workers = new PrimeWorkers(cfg.stats, cfg.statsLogEvery);
  return {
    job(work) {
      const bits = u32FromHex(work.bits);
      const logged = {
        id: work.id,
        height: work.height,
        netWeight: work.netWeight ?? primeNetWeight(bits, cfg.model),
        subsidySats: cfg.subsidySats(work),
        rewardSats: work.coinbaseValueSats,
      };
      return { work, bytes: jobBytes(work), bits, logged, seen: new Set(), solo: new Map() };
    },
    check(job, share, nowSec) {
      let multiplier: bigint;
      try {
        multiplier = decodeMultiplier(hexToBytes(share.extra ?? ''));
      } catch (e) {
        return { refused: 'bad-multiplier', reason: (e as Error).message };
      }
      const submit = shareSubmitOf(share, { multiplier: share.extra ?? '' });
      const pre = precheckSubmit(job.work, submit, { versionMask: 0, nowSec });
      if (!pre.ok) return { refused: pre.verdict.kind, reason: pre.verdict.reason };
      const bytes = bytesForPayout(job, share.payoutScript);
      const header = submitHeader(hashSubmitInput(bytes, submit, pre.headerVersion)).header;
      const shareTarget = wordOfLength(share.difficulty);
      const item = {
        header,
        multiplier,
        shareNBits: shareTarget,
        blockNBits: job.bits,
        minLength: cfg.minLength,
      };
      return { submit, headerVersion: pre.headerVersion, item, shareTarget };
    },
    verifier: {
      threads: cfg.verifier.threads ?? Infinity,
      verify: (items) => cfg.verifier.primeShares(items.map((c) => c.item)),
    },
    judge(job, share, c, r, stale): Judged {
      if (r.value === null)
        return { kind: 'invalid', reason: r.error.message, blockCandidate: false, weight: 0 };
      const v = classifyPrimeShare(r.value, {
        freshness: stale ? 'stale' : 'current',
        shareTarget: c.shareTarget,
        blockTarget: job.bits,
        claim: share.chainClaim ?? null,
        seen: (h) => job.seen.has(h),
      });
      const found = { blockCandidate: v.blockCandidate, hash: v.blockHash };
      const note = v.blockCandidate ? { chain: `${v.type}${wordText(v.length)}` } : undefined;
      if (v.kind !== 'accepted')
        return { kind: v.kind, reason: v.reason, ...found, weight: 0, note };
      job.seen.add(v.blockHash);
      const worker = `${share.worker.account}.${share.worker.worker}`;
      const weight = primeShareWeight(v.length, c.shareTarget, job.bits, cfg.model);
      const log = workers.record(worker, v.length, v.type, c.shareTarget, job.bits, weight);
      return { kind: 'accepted', ...found, weight, note, log };
    },
    stats: () => ({ prime: { workers: workers.snapshots() } }),
  };
}
