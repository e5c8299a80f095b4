// The SHA256d family of the Share actor: a job's header bytes (per SOLO payout script too),
// the submit's precheck (shape, ntime window, version mask), hashing through the SubmitHasher
// (the verifier pool, or the addon on the event loop for a few shares), the verdict against the
// share and network targets, and the share's weight (its difficulty in diff-1 work).
import type { JobWork } from '../job/index.js';
import type { LoggedJob } from '../ledger/index.js';
import { hashNetWeight, hashShareWeight } from '../shared/share-weight.js';
import { shareTargetFromDifficulty, targetFromHex } from '../shared/target.js';
import type { Checked, FamilyJob, Judged, ShareFamily } from './family.js';
import { bytesForPayout, jobBytes, shareSubmitOf } from './header.js';
import type { JobBytes, JobWithBytes } from './header.js';
import { classifyHash, precheckSubmit } from './verdict.js';

/**
 * Hashes checked submits off the event loop; null for an item the verifier refused. It takes
 * them as the family checked them (the job's bytes, the submit's hex fields, the header
 * version): the node's verifier packs those straight into the batch it hands its threads
 * (topology/verifier.ts), with no object or buffer of their own per share.
 */
export interface SubmitHasher {
  hashSubmits(items: readonly HashChecked[]): Promise<(Uint8Array | null)[]>;
  /**
   * The same on this thread, where that is cheap (the native core: microseconds per share).
   * Used only for a few shares while no batch is at the verifier: a worker round trip would
   * cost a hundred times the hash and delay a lone block candidate. Absent: always the pool.
   */
  hashSubmitsNow?(items: readonly HashChecked[]): (Uint8Array | null)[];
  /**
   * Threads behind hashSubmits. The actor keeps at most two batches per thread there (one being
   * hashed, one waiting, so no thread waits on the event loop); what arrives meanwhile rides in
   * the next batch, sent when one comes back. Each batch costs the event loop a post and, for a
   * thread asleep, a wake-up (Atomics.notify: ~2.5 % of a busy node's main thread when it sent a
   * batch every check phase). Absent: no limit.
   */
  readonly threads?: number;
}

export interface HashFamilyConfig {
  readonly hasher: SubmitHasher;
  /** The block subsidy at a job's height (the coin's reward rule; PPS pays on it). */
  readonly subsidySats: (work: JobWork) => bigint;
}

export interface HashJob extends FamilyJob, JobWithBytes {
  readonly networkTarget: bigint;
}

export interface HashChecked extends Checked {
  readonly bytes: JobBytes;
}

export type HashFamily = ShareFamily<HashJob, HashChecked, Uint8Array | null>;

export function hashFamily(cfg: HashFamilyConfig): HashFamily {
  const { hasher } = cfg;
  const now = hasher.hashSubmitsNow?.bind(hasher);
  return {
    job(work) {
      const networkTarget = targetFromHex(work.networkTarget);
      const logged: LoggedJob = {
        id: work.id,
        height: work.height,
        netWeight: hashNetWeight(networkTarget),
        subsidySats: cfg.subsidySats(work),
        rewardSats: work.coinbaseValueSats,
      };
      return { work, bytes: jobBytes(work), networkTarget, logged, solo: new Map() };
    },
    check(job, share, nowSec) {
      const submit = shareSubmitOf(share, { versionBits: share.extra ?? undefined });
      const pre = precheckSubmit(job.work, submit, { versionMask: share.versionMask, nowSec });
      if (!pre.ok) return { refused: pre.verdict.kind, reason: pre.verdict.reason };
      const bytes = bytesForPayout(job, share.payoutScript);
      return { submit, headerVersion: pre.headerVersion, bytes };
    },
    verifier: {
      threads: hasher.threads ?? Infinity,
      verify: (items) => hasher.hashSubmits(items),
      ...(now === undefined ? {} : { verifyNow: now }),
    },
    judge(job, share, _checked, hash, stale): Judged {
      if (hash === null) return UNHASHED;
      const targets = {
        stale,
        shareTarget: shareTarget(share.difficulty),
        networkTarget: job.networkTarget,
      };
      const v = classifyHash(hash, targets);
      const weight = v.kind === 'accepted' ? hashShareWeight(share.difficulty) : 0;
      const reason = v.kind === 'stale' ? 'superseded' : undefined;
      return { kind: v.kind, reason, blockCandidate: v.blockCandidate, hash: v.hash, weight };
    },
  };
}

const UNHASHED: Judged = {
  kind: 'server-busy',
  reason: 'verification failed',
  blockCandidate: false,
  weight: 0,
};

/** Share targets by difficulty (a connection's difficulty changes rarely; parsing it is not free). */
const targets = new Map<number, bigint>();
function shareTarget(difficulty: number): bigint {
  let t = targets.get(difficulty);
  if (t === undefined) {
    if (targets.size > 4096) targets.clear();
    targets.set(difficulty, (t = shareTargetFromDifficulty(difficulty)));
  }
  return t;
}
