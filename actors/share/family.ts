// A proof-of-work family as the one Share actor sees it: the strategy its shell runs. What the
// actor keeps of a job, the cheap checks before a share costs a verification, the verifier
// (off the event loop), and a verified share's verdict and value. hash-family.ts: SHA256d
// headers through the SubmitHasher; prime-family.ts: prime chains through the PrimeVerifier.
import type { ShareSubmission, ShareVerdictKind } from '../connection/index.js';
import type { JobWork } from '../job/index.js';
import type { LoggedJob } from '../ledger/index.js';
import type { ShareStats } from './messages.js';
import type { ShareSubmit } from './messages.js';

/** What every family keeps of a job: its work and what the share log records about it. */
export interface FamilyJob {
  readonly work: JobWork;
  readonly logged: LoggedJob;
}

/** A submit the cheap checks turned down: never verified. */
export interface Refusal {
  readonly refused: ShareVerdictKind;
  readonly reason?: string | undefined;
}

/** A submit that passed them, as its batch takes it to the verifier. */
export interface Checked {
  readonly submit: ShareSubmit;
  /** The header version it is hashed with (BIP310 rolled bits applied); a candidate carries it. */
  readonly headerVersion: number;
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly msg: string;
}

/** A verified share's verdict, with its value to the share log when it is accepted. */
export interface Judged {
  readonly kind: ShareVerdictKind;
  readonly reason?: string | undefined;
  /** Display order; set for every share the verifier could hash. */
  readonly hash?: string | undefined;
  /** Meets the block target: goes to the Block actor even when stale or below the share target. */
  readonly blockCandidate: boolean;
  /** The share's weight in the log (integer work, 65,536 per diff-1 share); 0 unless accepted. */
  readonly weight: number;
  /** What a block candidate's log line says besides hash, job, height and worker (prime: the chain). */
  readonly note?: Readonly<Record<string, unknown>> | undefined;
  /** A line this verdict asks to log (prime: a worker's chain statistics). */
  readonly log?: LogLine | null | undefined;
}

/** Verification of a batch, one result per item in order; the actor never holds more than two batches per thread here. */
export interface ShareVerifier<C, R> {
  readonly threads: number;
  verify(items: readonly C[]): Promise<R[]>;
  /** The same on the event loop, where that costs microseconds (a few hash shares). Absent: always `verify`. */
  verifyNow?(items: readonly C[]): R[];
}

export interface ShareFamily<J extends FamilyJob, C extends Checked, R> {
  /** What the actor keeps of an announced job (its bytes, targets and log record). */
  job(work: JobWork): J;
  /** Cheap checks (shape, ntime window, version mask or multiplier); no proof-of-work yet. */
  check(job: J, share: ShareSubmission, nowSec: number): C | Refusal;
  readonly verifier: ShareVerifier<C, R>;
  /**
   * A verified share's verdict and value. Deterministic; a family may remember what it judged
   * (prime: block hashes accepted per job, per-worker chain statistics).
   */
  judge(job: J, share: ShareSubmission, checked: C, result: R, stale: boolean): Judged;
  /** What the family adds to the actor's `share.stats` answer. */
  stats?(): Pick<ShareStats, 'prime'>;
}
