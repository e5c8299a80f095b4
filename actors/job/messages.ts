// Messages of the Job actor (one live instance per coin) and the job broadcast every node
// subscribes to. Subjects come from the runtime's builders via the helpers in index.ts.
import { CodedError } from '../shared/errors.js';
import type { NotifyParams } from './notify.js';
import type { Job, JobWork } from './job.js';

/** Broadcast on the coin's jobs topic to every node: what Connections and Share need. */
export interface JobAnnouncement {
  readonly type: 'job.new';
  readonly coin: string;
  readonly family: 'hash' | 'prime';
  readonly work: JobWork;
  readonly notify: NotifyParams;
  /** Network difficulty in vardiff work units: diff1 / network target, or prime chain work W(nBits). */
  readonly networkDifficulty: number;
}

export type JobRequest =
  | { readonly type: 'job.current' }
  | { readonly type: 'job.full'; readonly id: string }
  | { readonly type: 'job.refresh'; readonly reason: string }
  /**
   * Publish this full job (or, without an id, the current one) on the full-jobs topic again: a
   * block submitter that joined late or missed it gets it there, in parts if it is over the
   * bus's max_payload (an ask's reply cannot be).
   */
  | { readonly type: 'job.publish-full'; readonly id?: string }
  /** Internal: a template fetched by the actor's own polling loops. */
  | { readonly type: 'job.template'; readonly raw: unknown; readonly source: string };

export type JobReply = JobAnnouncement | Job | null;

export function validateJobRequest(input: unknown): JobRequest {
  const m = input as { type?: unknown; id?: unknown; reason?: unknown; source?: unknown } | null;
  switch (m?.type) {
    case 'job.current':
      return { type: 'job.current' };
    case 'job.full':
      if (typeof m.id !== 'string') break;
      return { type: 'job.full', id: m.id };
    case 'job.publish-full':
      if (m.id === undefined) return { type: 'job.publish-full' };
      if (typeof m.id !== 'string') break;
      return { type: 'job.publish-full', id: m.id };
    case 'job.refresh':
      return { type: 'job.refresh', reason: typeof m.reason === 'string' ? m.reason : 'asked' };
    case 'job.template':
      return { type: 'job.template', raw: (m as { raw?: unknown }).raw, source: String(m.source) };
  }
  throw new CodedError(
    'BAD_MESSAGE',
    `not a Job actor message: ${JSON.stringify(input)?.slice(0, 200)}`,
  );
}
