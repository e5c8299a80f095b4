// Messages larger than the server's max_payload (1 MB by default) travel in parts: a full job
// with a mainnet block's transactions is 2-4 MB, and a tell or broadcast that size used to be
// refused by nats.js (MAX_PAYLOAD_EXCEEDED). Each part is one NATS message carrying the header
// `Colliery-Part: <id> <index> <count>`; the parts of one message are published back to back on
// one connection, so NATS delivers them in order to every subscriber, and the subscriber
// reassembles them by id. What is pending is bounded: at most MAX_PENDING messages per
// subscription (the oldest goes first), MAX_BYTES in all, and each dropped EXPIRE_MS after
// its first part (a part lost to a slow consumer, or a publisher that died midway).
// Requests (asks) are not split: their replies stay under max_payload.
import { headers, nuid, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

export const PART_HEADER = 'Colliery-Part';
/** Room left in each part for the headers (the trace and the part header). */
const HEADROOM = 4_096;
const DEFAULT_MAX_PAYLOAD = 1_048_576;
export const MAX_PARTS = 4_096;
const MAX_PENDING = 8;
const MAX_BYTES = 256 * 1_048_576;
const EXPIRE_MS = 30_000;

/** Publishes `data` on `to`, in parts when it is over the server's max_payload. */
export function publishParts(
  nc: NatsConnection,
  to: string,
  data: Uint8Array,
  base: MsgHdrs | undefined,
): void {
  const max = (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADROOM;
  if (data.length <= max) return nc.publish(to, data, base ? { headers: base } : {});
  const count = Math.ceil(data.length / max);
  if (count > MAX_PARTS) throw new RangeError(`${data.length} bytes is over ${MAX_PARTS} parts`);
  const id = nuid.next();
  for (let i = 0; i < count; i++) {
    const h = headers();
    for (const [k, v] of base ?? []) for (const x of v) h.append(k, x);
    h.set(PART_HEADER, `${id} ${i} ${count}`);
    nc.publish(to, data.subarray(i * max, Math.min(data.length, (i + 1) * max)), { headers: h });
  }
}

interface Pending {
  readonly parts: Uint8Array[];
  readonly count: number;
  got: number;
  bytes: number;
  readonly since: number;
}

export type PartResult =
  | { readonly kind: 'whole'; readonly data: Uint8Array }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'dropped'; readonly why: string };

/** One subscription's messages in parts, until each is whole. */
export class Reassembly {
  readonly #pending = new Map<string, Pending>();
  #bytes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A message as it arrived: whole already (no part header), or one part of one. */
  accept(data: Uint8Array, h: MsgHdrs | undefined): PartResult {
    const tag = h?.get(PART_HEADER);
    if (!tag) return { kind: 'whole', data };
    const [id = '', iText = '', nText = ''] = tag.split(' ');
    const i = Number(iText);
    const count = Number(nText);
    if (
      id === '' ||
      !Number.isSafeInteger(i) ||
      !Number.isSafeInteger(count) ||
      count < 1 ||
      count > MAX_PARTS ||
      i < 0 ||
      i >= count
    )
      return { kind: 'dropped', why: `bad part header "${tag}"` };
    this.#expire();
    let p = this.#pending.get(id);
    if (p === undefined) {
      if (this.#pending.size >= MAX_PENDING) this.#drop(this.#pending.keys().next().value!);
      p = { parts: new Array<Uint8Array>(count), count, got: 0, bytes: 0, since: this.now() };
      this.#pending.set(id, p);
    }
    if (p.count !== count || p.parts[i] !== undefined) {
      this.#drop(id);
      return { kind: 'dropped', why: `part ${i} of ${id} does not fit the message` };
    }
    p.parts[i] = data;
    p.got++;
    p.bytes += data.length;
    this.#bytes += data.length;
    if (p.got < count) {
      if (this.#bytes > MAX_BYTES) {
        this.#drop(id);
        return { kind: 'dropped', why: `parts pending over ${MAX_BYTES} bytes` };
      }
      return { kind: 'waiting' };
    }
    this.#drop(id);
    const whole = new Uint8Array(p.bytes);
    let at = 0;
    for (const part of p.parts) {
      whole.set(part, at);
      at += part.length;
    }
    return { kind: 'whole', data: whole };
  }

  /** Messages still waiting for parts. */
  get pending(): number {
    return this.#pending.size;
  }

  #expire(): void {
    const now = this.now();
    for (const [id, p] of this.#pending) if (now - p.since > EXPIRE_MS) this.#drop(id);
  }

  #drop(id: string): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#bytes -= p.bytes;
    this.#pending.delete(id);
  }
}
