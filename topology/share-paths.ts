// Share paths without a tracing backend: `colliery demo --trace` and `colliery start
// --trace-paths` print, every few seconds, the path of one share from the miner's socket to the
// ledger, read off the spans this process records. It follows the same links a backend (Jaeger,
// Tempo) shows: the Connection actor's span (the socket read, a trace's root), the Share actor's
// span in that trace, the share log's append span (linked to the submits it carries; the miner
// hears "accepted" once it is acknowledged) and the ledger's apply span (linked to the record).
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface SharePath {
  /** `connection lines`: the miner's socket read, the trace's root. */
  readonly connection: ReadableSpan;
  /** `share share.submits`: the Share actor taking the submit. */
  readonly submits: ReadableSpan;
  /** `share-log.append`: the record holding it, until the log acknowledged it. */
  readonly append: ReadableSpan;
  /** `ledger.apply`: this node's ledger replica applying that record. */
  readonly apply: ReadableSpan;
}

/** Recent spans kept to look a path up in (a share's spans end within milliseconds). */
const KEEP = 4096;
/** A path not complete this long after its append ended is given up (the next one is tried). */
const GIVE_UP_MS = 5_000;

/** A Map used as a bounded cache: the oldest entry goes when a new one would exceed `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}

const msOf = (t: readonly [number, number]): number => t[0] * 1e3 + t[1] / 1e6;

/**
 * A span processor that finds one complete share path each `everyMs` and hands it to `onPath`.
 * It only remembers the last few thousand spans of the kinds on the path.
 */
export class SharePathProcessor implements SpanProcessor {
  readonly #onPath: (path: SharePath) => void;
  readonly #everyMs: number;
  /** `connection lines` spans by trace id; `share share.submits` spans by span id. */
  readonly #connections = new Map<string, ReadableSpan>();
  readonly #submits = new Map<string, ReadableSpan>();
  /** `ledger.apply` spans by the span ids of the appends they link to. */
  readonly #applies = new Map<string, ReadableSpan>();
  #nextAtMs = 0;
  /** A path with its append found, waiting for the apply (which may also end first). */
  #waiting: { connection: ReadableSpan; submits: ReadableSpan; append: ReadableSpan } | null = null;

  constructor(onPath: (path: SharePath) => void, everyMs = 5_000) {
    this.#onPath = onPath;
    this.#everyMs = everyMs;
  }

  onStart(_span: Span, _parent: Context): void {}

  onEnd(span: ReadableSpan): void {
    const name = span.name;
    if (name === 'connection lines')
      remember(this.#connections, span.spanContext().traceId, span, KEEP);
    else if (name === 'share share.submits')
      remember(this.#submits, span.spanContext().spanId, span, KEEP);
    else if (name === 'ledger.apply') this.#onApply(span);
    else if (name === 'share-log.append') this.#onAppend(span);
  }

  #onAppend(append: ReadableSpan): void {
    const now = msOf(append.endTime);
    if (this.#waiting !== null && now - msOf(this.#waiting.append.endTime) > GIVE_UP_MS)
      this.#waiting = null;
    if (this.#waiting !== null || now < this.#nextAtMs) return;
    for (const link of append.links) {
      const submits = this.#submits.get(link.context.spanId);
      const connection = submits && this.#connections.get(submits.spanContext().traceId);
      if (!submits || !connection) continue;
      this.#waiting = { connection, submits, append };
      const apply = this.#applies.get(append.spanContext().spanId);
      if (apply !== undefined) this.#complete(apply);
      return;
    }
  }

  #onApply(apply: ReadableSpan): void {
    for (const link of apply.links) remember(this.#applies, link.context.spanId, apply, 256);
    const w = this.#waiting;
    if (w !== null && apply.links.some((l) => l.context.spanId === w.append.spanContext().spanId))
      this.#complete(apply);
  }

  #complete(apply: ReadableSpan): void {
    const w = this.#waiting!;
    this.#waiting = null;
    this.#nextAtMs = msOf(w.append.endTime) + this.#everyMs;
    this.#onPath({ ...w, apply });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.#connections.clear();
    this.#submits.clear();
    this.#applies.clear();
    this.#waiting = null;
    return Promise.resolve();
  }
}

/**
 * One line: each step's offset from the socket read and how long it took, e.g.
 * `share path (trace 4bf92f35…, node demo-1): socket read → connection lines 0.05 ms → …`.
 */
export function formatSharePath(p: SharePath): string {
  const t0 = msOf(p.connection.startTime);
  const step = (s: ReadableSpan, what: string): string =>
    `${what} at +${(msOf(s.startTime) - t0).toFixed(2)} ms (${(msOf(s.endTime) - msOf(s.startTime)).toFixed(2)} ms)`;
  const a = p.append.attributes;
  const seqFrom = p.apply.attributes['colliery.log_seq_from'];
  const seqTo = p.apply.attributes['colliery.log_seq_to'];
  const node = p.connection.attributes['colliery.node'];
  return (
    `share path (trace ${p.connection.spanContext().traceId.slice(0, 8)}…` +
    `${node === undefined ? '' : `, node ${String(node)}`}): miner's socket read → ` +
    [
      step(
        p.connection,
        `Connection ${String(p.connection.attributes['messaging.destination.name'] ?? '')}`.trim(),
      ),
      step(p.submits, 'Share actor'),
      step(
        p.append,
        `share log record ${String(a['colliery.record'] ?? '?')} (seq ${String(a['colliery.log_seq'] ?? '?')}, ${String(a['colliery.shares'] ?? '?')} shares; acked, the miner hears "accepted")`,
      ),
      step(p.apply, `ledger apply (seq ${String(seqFrom)}–${String(seqTo)})`),
    ].join(' → ') +
    `; ${(msOf(p.apply.endTime) - t0).toFixed(2)} ms from the socket to the ledger`
  );
}
