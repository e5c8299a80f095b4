// The versioned envelope every message travels in, encoded with msgpackr:
//   message  [ENVELOPE_VERSION, body]
//   reply    [ENVELOPE_VERSION, 0, value]   or   [ENVELOPE_VERSION, 1, ErrorRecord]
// Local deliveries skip the envelope but not its encoding rules: `wireCopy` builds the value the
// wire would have decoded, without encoding it when the value is plain data.
import { Packr } from 'msgpackr';
import { isDeepStrictEqual } from 'node:util';
import {
  RuntimeCode,
  runtimeError,
  toErrorRecord,
  type CodedError,
  type ErrorRecord,
} from './errors.js';

export const ENVELOPE_VERSION = 1;

/** Self-describing encoding: no record structures shared between processes. */
const wire = new Packr({ useRecords: false });

export type Reply = { ok: true; value: unknown } | { ok: false; error: ErrorRecord };

/** A failed reply carrying one of the runtime's own errors. */
export function failure(code: RuntimeCode, message: string): Reply {
  return { ok: false, error: toErrorRecord(runtimeError(code, message)) };
}

/** Packs for the wire; a value msgpackr cannot encode (intact) is refused with BAD_MESSAGE. */
function pack(value: unknown): Uint8Array {
  refuseUnsendable(value);
  try {
    return wire.pack(value);
  } catch (err) {
    throw runtimeError(RuntimeCode.BadMessage, `cannot be encoded: ${String(err)}`, err);
  }
}

/**
 * What msgpackr 2.1 encodes but cannot deliver intact is refused: typed arrays other than
 * Uint8Array and DataViews (written element by element into bytes, so they arrive as garbage)
 * and Maps with object keys (which the receiver cannot decode).
 */
function refuseUnsendable(v: unknown): void {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return;
  const bad = (what: string): CodedError =>
    runtimeError(RuntimeCode.BadMessage, `${what} cannot cross the wire`);
  if (ArrayBuffer.isView(v)) throw bad(`a ${v.constructor.name}`);
  if (!(v instanceof Map)) {
    for (const item of v instanceof Set ? v : Object.values(v)) refuseUnsendable(item);
    return;
  }
  for (const [key, item] of v as Map<unknown, unknown>) {
    if (typeof key === 'object' && key !== null) throw bad('a Map with object keys');
    refuseUnsendable(item);
  }
}

export function encodeMessage(body: unknown): Uint8Array {
  return pack([ENVELOPE_VERSION, body]);
}

/** Packs a reply; a value that cannot be encoded is answered with its encoding error instead. */
export function encodeReply(reply: Reply): Uint8Array {
  try {
    return pack(reply.ok ? [ENVELOPE_VERSION, 0, reply.value] : [ENVELOPE_VERSION, 1, reply.error]);
  } catch (err) {
    return pack([ENVELOPE_VERSION, 1, toErrorRecord(err)]);
  }
}

function unpackEnvelope(bytes: Uint8Array): unknown[] {
  let decoded: unknown;
  try {
    decoded = wire.unpack(bytes);
  } catch (err) {
    throw runtimeError(RuntimeCode.BadEnvelope, 'envelope is not valid msgpack', err);
  }
  if (!Array.isArray(decoded) || decoded.length < 2)
    throw runtimeError(RuntimeCode.BadEnvelope, 'envelope is not a [version, ...] array');
  if (decoded[0] !== ENVELOPE_VERSION) {
    throw runtimeError(
      RuntimeCode.BadEnvelope,
      `envelope version ${String(decoded[0])} is not supported (this node speaks ${ENVELOPE_VERSION})`,
    );
  }
  return decoded;
}

export function decodeMessage(bytes: Uint8Array): unknown {
  return unpackEnvelope(bytes)[1];
}

export function decodeReply(bytes: Uint8Array): Reply {
  const [, flag, payload] = unpackEnvelope(bytes);
  if (flag === 0) return { ok: true, value: payload };
  const r = payload as Partial<ErrorRecord> | null;
  const isError = typeof r?.code === 'string' && typeof r.message === 'string';
  if (flag === 1 && isError && typeof r.retryable === 'boolean')
    return { ok: false, error: r as ErrorRecord };
  const why = 'reply envelope carries neither a value nor an error';
  throw runtimeError(RuntimeCode.BadEnvelope, why);
}

/**
 * Broadcasts the runtime decoded and deep-froze: wire-shaped and immutable, so never copied.
 * An actor that received a value from the wire (an ask's reply) and tells it to many local
 * actors freezes it the same way first, or each of them is given its own copy.
 */
const broadcasts = new WeakSet<object>();
export function freezeBroadcast<T>(value: T): T {
  if (typeof value === 'object' && value !== null) broadcasts.add(deepFreeze(value));
  return value;
}

/** Freezes a value and everything reachable from it (byte arrays cannot be frozen). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const k in value) deepFreeze(value[k]);
  return value;
}

/** Messages their senders handed off (handOff), until their one local delivery. */
const handedOff = new WeakSet<object>();
/** Tests set COLLIERY_CHECK_HANDOFF=1 (test/run.mjs): every handed-off message is checked. */
const checkHandOffs = process.env['COLLIERY_CHECK_HANDOFF'] === '1';

/**
 * Marks a message its sender built for this one tell and never touches again: delivered to a
 * local receiver as it is, without wireCopy's copy (the hot paths: a read's submits, a batch's
 * verdicts). It must be what the wire delivers unchanged: plain objects, arrays, well-formed
 * strings, numbers other than -0, booleans, null, 64-bit bigints. Under COLLIERY_CHECK_HANDOFF=1
 * each one is compared with its wire copy, and one that differs is refused (BAD_MESSAGE), so a
 * message remote receivers would see differently fails in tests rather than in production.
 */
export function handOff<T extends object>(msg: T): T {
  if (checkHandOffs && !isDeepStrictEqual(copyOrPack(msg), msg)) {
    throw runtimeError(
      RuntimeCode.BadMessage,
      'a handed-off message is not what the wire delivers (send it without handOff)',
    );
  }
  handedOff.add(msg);
  return msg;
}

const SLOW = Symbol('slow');
const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;
const wellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * What the receiver would decode if `value` crossed the wire. Plain data (plain objects,
 * arrays, strings, numbers, booleans, null, undefined, 64-bit bigints, valid Dates,
 * Uint8Arrays) is copied directly, with the wire's normalisations: -0 becomes 0, array holes
 * become undefined, byte arrays become Buffers. Anything else (Map, Set, class instances, lone
 * surrogates, huge bigints, symbols...) goes through msgpackr, so it is reshaped or refused
 * exactly as over NATS. A broadcast the runtime froze (freezeBroadcast) is returned as is.
 */
export function wireCopy(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    if (broadcasts.has(value) || handedOff.delete(value)) return value;
  }
  return copyOrPack(value);
}

function copyOrPack(value: unknown): unknown {
  const copied = copy(value);
  return copied !== SLOW ? copied : wire.unpack(pack(value));
}

function copy(v: unknown): unknown {
  if (typeof v === 'string') return wellFormed(v) ? v : SLOW;
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (typeof v === 'bigint') return v >= INT64_MIN && v < UINT64_END ? v : SLOW;
  if (typeof v !== 'object') return typeof v === 'boolean' || v === undefined ? v : SLOW;
  if (v === null) return null;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const k in v) {
      if (k === '__proto__' || !wellFormed(k)) return SLOW;
      if ((o[k] = copy((v as Record<string, unknown>)[k])) === SLOW) return SLOW;
    }
    return o;
  }
  if (proto === Array.prototype) {
    const a = v as unknown[];
    const o: unknown[] = new Array(a.length);
    for (let i = 0; i < a.length; i++) if ((o[i] = copy(a[i])) === SLOW) return SLOW;
    return o;
  }
  if (v instanceof Uint8Array) return Buffer.from(v);
  const ms = proto === Date.prototype ? (v as Date).getTime() : NaN;
  return Number.isNaN(ms) ? SLOW : new Date(ms);
}
