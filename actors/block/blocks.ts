// The Block actor's decisions, as pure logic over its state (updated in place, as session.ts
// does): the jobs it keeps, the found block a candidate becomes, what the coin nodes'
// submitblock answers make of it (found, rejected, or unresolved when none answered), and what
// a follow round's confirmations make of the blocks in play (found or rejected for an
// unresolved one; confirmed at the coin's maturity, orphaned when no node has it on its chain).
// The shell (actor.ts) calls the coin nodes and hands on the events these return.
import { coinb2ForPayout, type Job } from '../job/index.js';
import type { BlockCandidate } from '../share/index.js';
import { hashNetWeight } from '../shared/share-weight.js';
import { targetFromHex } from '../shared/target.js';
import type { BlockEvent, FoundBlock } from './messages.js';

export interface BlockState {
  /** Recent full jobs by id, oldest first. */
  readonly jobs: Map<string, Job>;
  /** Blocks submitted or restored, by hash, oldest first. */
  readonly blocks: Map<string, FoundBlock>;
  /** Blocks whose submitblock answers are still out (a restored intent for one waits for them). */
  readonly submitting: Set<string>;
}

export function initBlockState(jobs = new Map<string, Job>()): BlockState {
  return { jobs, blocks: new Map(), submitting: new Set() };
}

/** What a call to a coin node came to: its result, or what it threw. */
export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A coin node's submitblock answer: its name, null or a reason, and whether it never answered. */
export type Answer = readonly [name: string, result: string | null, unknown: boolean];

/** Remembers `job`, forgetting the oldest beyond `keepJobs`. */
export function keepJob(s: BlockState, job: Job, keepJobs: number): void {
  s.jobs.set(job.id, job);
  while (s.jobs.size > keepJobs) s.jobs.delete(s.jobs.keys().next().value as string);
}

/** Blocks the log had open when this instance took over; those already known stay as they are. */
export function restoreBlocks(s: BlockState, blocks: readonly FoundBlock[]): void {
  for (const b of blocks) if (!s.blocks.has(b.hash)) s.blocks.set(b.hash, { ...b });
}

/** The job a candidate's block is built from: a SOLO candidate's coinbase pays its miner. */
export function candidateJob(job: Job, payoutScript: string | null): Job {
  return payoutScript === null ? job : { ...job, coinb2: coinb2ForPayout(job, payoutScript) };
}

/** The block a candidate became (its hash as assembled), submitted at `submittedAtMs`. */
export function foundBlock(
  c: BlockCandidate,
  job: Job,
  hash: string,
  subsidySats: bigint,
  submittedAtMs: number,
): FoundBlock {
  const solo = c.payoutScript !== null;
  const dot = c.worker.indexOf('.');
  const account = dot < 0 ? c.worker : c.worker.slice(0, dot);
  return {
    hash,
    height: job.height,
    jobId: job.id,
    worker: c.worker,
    account,
    workerName: dot < 0 ? '' : c.worker.slice(dot + 1),
    netWeight: job.netWeight ?? hashNetWeight(targetFromHex(job.networkTarget)),
    subsidySats,
    coinbasePaid: solo ? [{ account, sats: job.coinbaseValueSats }] : job.coinbasePaid,
    solo,
    node: c.node,
    coinbaseValueSats: job.coinbaseValueSats,
    foundAtMs: c.foundAtMs,
    submittedAtMs,
    results: {},
    status: 'submitted',
    confirmations: 0,
  };
}

/**
 * A node's submitblock outcome as an answer. A node that timed out or could not be reached
 * never answered; any other error is its answer (it refused, or broke).
 */
export function submitAnswer(name: string, o: Outcome<unknown>): Answer {
  if (o.ok)
    return [name, o.value === null || o.value === undefined ? null : String(o.value), false];
  const code = (o.error as { code?: unknown } | null)?.code;
  const unknown = code === 'RPC_TIMEOUT' || code === 'RPC_UNREACHABLE';
  return [name, `error: ${(o.error as Error)?.message}`, unknown];
}

/** A node's answer that it holds the block: accepted, a duplicate, or inconclusive (side chain). */
export function tookIt([, r]: Answer): boolean {
  return r === null || r === 'duplicate' || r === 'inconclusive';
}

/** The result of a node whose answer had not come when another node took the block. */
export const NOT_ANSWERED_YET = 'no answer yet';

/** The requests for `found` are written: its intent, while the nodes check the block. */
export function submitting(s: BlockState, found: FoundBlock): BlockEvent {
  s.submitting.add(found.hash);
  return { kind: 'submitted', block: found };
}

/**
 * The nodes answered: found when one took it (accepted, a duplicate or inconclusive: valid, on
 * a side chain), rejected when every one refused. When none took it but one never answered,
 * where it went is unknown, as for an intent a dead leader left: it stays unresolved for the
 * follow rounds (no event). The block is kept among the last `keepBlocks`.
 */
export function settle(
  s: BlockState,
  found: FoundBlock,
  answers: readonly Answer[],
  keepBlocks: number,
): BlockEvent | null {
  s.submitting.delete(found.hash);
  found.results = Object.fromEntries(answers.map(([name, r]) => [name, r]));
  const accepted = answers.some(tookIt);
  const unanswered = !accepted && answers.some(([, , unknown]) => unknown);
  found.status = accepted ? 'submitted' : unanswered ? 'unresolved' : 'rejected';
  s.blocks.set(found.hash, found);
  while (s.blocks.size > keepBlocks) s.blocks.delete(s.blocks.keys().next().value as string);
  return unanswered ? null : { kind: accepted ? 'found' : 'rejected', block: found };
}

/** The log line for a block whose submitblock answers are in, with what settle() made of them. */
export function settledLog(
  found: FoundBlock,
  event: BlockEvent | null,
): [Record<string, unknown>, string] {
  const { hash, height, worker, results } = found;
  const msg =
    event === null
      ? 'block submitted; no coin node answered, asking them where it went'
      : event.kind === 'found'
        ? 'block submitted'
        : 'block rejected';
  return [{ hash, height, worker, results }, msg];
}

/** The blocks a follow round asks the nodes about: found and not settled, or unresolved. */
export function toFollow(s: BlockState): FoundBlock[] {
  return [...s.blocks.values()].filter(
    (b) => b.status === 'submitted' || b.status === 'unresolved',
  );
}

/**
 * A block's confirmations from the nodes' getblock outcomes: the most any node reports (-1:
 * on a side chain, or not found: RPC error -5); null when no node could say.
 */
export function bestConfirmations(
  lookups: readonly Outcome<{ confirmations?: unknown } | null>[],
): number | null {
  let best: number | null = null;
  for (const l of lookups) {
    if (l.ok) {
      const c = typeof l.value?.confirmations === 'number' ? l.value.confirmations : -1;
      best = best === null ? c : Math.max(best, c);
    } else if ((l.error as { rpcCode?: unknown } | null)?.rpcCode === -5) best = best ?? -1;
  }
  return best;
}

/**
 * A follow round's answers. An unresolved block becomes found when a node has it on its chain,
 * else rejected (unless its own submitblock answers are still out). A found block is orphaned
 * when no node has it on its chain, confirmed at the coin's maturity depth.
 */
export function applyConfirmations(
  s: BlockState,
  confirmations: Readonly<Record<string, number>>,
  maturity: number,
): BlockEvent[] {
  const events: BlockEvent[] = [];
  for (const [hash, best] of Object.entries(confirmations)) {
    const b = s.blocks.get(hash);
    if (b?.status === 'unresolved' && !s.submitting.has(hash)) {
      b.status = best >= 0 ? 'submitted' : 'rejected';
      b.confirmations = Math.max(best, 0);
      events.push({ kind: best >= 0 ? 'found' : 'rejected', block: b });
      continue;
    }
    if (!b || b.status !== 'submitted') continue;
    b.confirmations = best;
    if (best < 0) {
      b.status = 'orphaned';
      events.push({ kind: 'orphaned', block: b });
    } else if (best >= maturity) {
      b.status = 'confirmed';
      events.push({ kind: 'confirmed', block: b });
    }
  }
  return events;
}
