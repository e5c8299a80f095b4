// What a Connection actor receives (besides its socket's bytes) and what it asks for.
// The Job actor's broadcast, the Share actor's verdict, timers and drain are events here;
// the effects are what the shell (actor.ts) carries out.
import { CodedError } from '../shared/errors.js';
import type { Rejection } from './errors.js';
import type { RequestId } from './codec.js';
import type { WorkerName } from './worker-name.js';
import type { JobWork } from '../job/index.js';

/** A job as broadcast by the Job actor to every node (per coin). */
export interface JobAnnouncement {
  readonly jobId: string;
  readonly family: 'hash' | 'prime';
  /** mining.notify params as built by the Job actor; [0] is the job id, the last is clean_jobs. */
  readonly notify: readonly unknown[];
  readonly clean: boolean;
  /** Network difficulty in share-difficulty units: vardiff never goes above it. */
  readonly networkDifficulty: number;
  /** The job itself, for dialects that build per-connection work (SOLO coinbases). */
  readonly work?: JobWork;
}

/** What the Connection asks the Share actor to judge. */
export interface ShareSubmission {
  readonly requestId: number;
  readonly jobId: string;
  readonly worker: WorkerName;
  readonly extranonce1: string;
  readonly extranonce2: string;
  readonly ntime: number;
  readonly nonce: number;
  /** Dialect's 6th param: version bits (hash) or multiplier (prime), lower-case hex. */
  readonly extra: string | null;
  /** Prime dialect: the chain type the miner claims (1CC, 2CC, TWN), when it sent one. */
  readonly chainClaim?: string | null;
  readonly versionMask: number;
  /** The difficulty in force when this job was sent to the miner: the share target and its credit. */
  readonly difficulty: number;
  /** SOLO: the output script (hex) this connection's coinbase pays; null in pooled mode. */
  readonly payoutScript: string | null;
}

export type ShareVerdictKind =
  | 'accepted'
  | 'low-difficulty'
  | 'stale'
  | 'duplicate'
  | 'bad-ntime'
  | 'bad-version-bits'
  | 'bad-multiplier'
  | 'invalid'
  | 'server-busy';

export interface ShareVerdict {
  readonly requestId: number;
  readonly verdict: ShareVerdictKind;
  readonly detail?: string;
}

/**
 * Where a draining node sends a miner (`client.reconnect [host, port, wait]`): a sibling's
 * public Stratum address, chosen by the node from the cluster's registry.
 */
export interface ReconnectTarget {
  readonly host: string;
  readonly port: number;
  /** Seconds the miner should wait before it connects (Stratum's third param). */
  readonly waitSeconds: number;
}

export type ConnectionEvent =
  | { type: 'line'; line: string }
  | { type: 'line-too-long' }
  | { type: 'job'; job: JobAnnouncement }
  | { type: 'verdict'; verdict: ShareVerdict }
  | { type: 'tick' }
  /** Tell the miner to reconnect (`to`: there; absent: to this same address) and close. */
  | { type: 'drain'; to?: ReconnectTarget };

export type Effect =
  | { kind: 'send'; line: string }
  | { kind: 'verify'; share: ShareSubmission; id: RequestId }
  | { kind: 'close'; reason: string; ban: boolean }
  | { kind: 'authorized'; worker: WorkerName }
  /** `worker`: a share of this worker, refused (the statistics count it); null otherwise. */
  | { kind: 'rejected'; rejection: Rejection; detail: string; worker: WorkerName | null };

/**
 * What the actor's mailbox takes: the session's events, plus `lines` (one socket read's worth
 * of lines: one message per read, not per line), `verdicts` (the Share actor's answers to one
 * batch) and `job.new` (the Job actor's broadcast, straight from the jobs topic). A closed
 * socket ends its session directly (`socketClosed()`, before the actor stops), not by message.
 */
export type ConnectionMessage =
  | ConnectionEvent
  | { type: 'lines'; lines: string[] }
  | { type: 'verdicts'; verdicts: ShareVerdict[] }
  | { type: 'job.new' };

const MESSAGE_TYPES = new Set([
  'line',
  'lines',
  'verdicts',
  'line-too-long',
  'job',
  'verdict',
  'tick',
  'drain',
  'job.new',
]);

/** Edge validation: these messages only come from this node, but still arrive as data. */
export function validateConnectionMessage(input: unknown): ConnectionMessage {
  const t = (input as { type?: unknown } | null)?.type;
  if (typeof t !== 'string' || !MESSAGE_TYPES.has(t)) {
    throw new CodedError('BAD_MESSAGE', `not a Connection message: ${String(t)}`);
  }
  return input as ConnectionMessage;
}
