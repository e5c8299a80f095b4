// Stratum V1 wire codec: newline framing with a length cap, JSON-RPC parsing into typed
// requests (validated once, here, at the edge), and encoding of responses/notifications.
// Tolerates `\r\n`, several messages per read and messages split across reads.
import type { Rejection } from './errors.js';
import { stratumError } from './errors.js';

export type RequestId = number | string | null;

export type StratumRequest =
  | { method: 'mining.subscribe'; id: RequestId; userAgent: string | null }
  | { method: 'mining.authorize'; id: RequestId; username: string; password: string }
  | {
      method: 'mining.configure';
      id: RequestId;
      extensions: string[];
      options: Record<string, unknown>;
    }
  | { method: 'mining.suggest_difficulty'; id: RequestId; difficulty: number }
  | { method: 'mining.extranonce.subscribe'; id: RequestId }
  | { method: 'mining.submit'; id: RequestId; submit: SubmitParams }
  | { method: 'reply'; id: RequestId }; // a miner's answer to a server request (e.g. client.get_version)

/**
 * mining.submit params; `extra` is the 6th param (version bits, or the prime multiplier),
 * `claim` the prime dialect's optional 7th (the chain type the miner says it found).
 */
export interface SubmitParams {
  worker: string;
  jobId: string;
  extranonce2: string; // lower-case hex
  ntime: number; // u32
  nonce: number; // u32
  extra: string | null; // lower-case hex, meaning per dialect
  claim: string | null; // as sent (at most 16 characters); the dialect judges it
}

export type ParseResult =
  | { ok: true; request: StratumRequest }
  | { ok: false; id: RequestId; rejection: Rejection; detail: string; fatal: boolean };

const HEX = /^[0-9a-fA-F]*$/;
const U32_HEX = /^[0-9a-fA-F]{8}$/;
const MAX_FIELD_CHARS = 512;

function fail(id: RequestId, rejection: Rejection, detail: string, fatal = false): ParseResult {
  return { ok: false, id, rejection, detail, fatal };
}

function isId(v: unknown): v is RequestId {
  return v === null || typeof v === 'number' || (typeof v === 'string' && v.length <= 64);
}

/** Parse one line (without its terminator) into a typed request. Never throws. */
export function parseLine(line: string): ParseResult {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return fail(null, 'bad-request', 'not JSON', true);
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return fail(null, 'bad-request', 'not a JSON object', true);
  }
  const m = msg as Record<string, unknown>;
  const id = isId(m.id) ? m.id : null;
  if (m.id !== undefined && !isId(m.id)) return fail(null, 'bad-request', 'bad id', true);
  if (m.method === undefined && ('result' in m || 'error' in m)) {
    return { ok: true, request: { method: 'reply', id } };
  }
  if (typeof m.method !== 'string') return fail(id, 'bad-request', 'missing method', true);
  const params = m.params === undefined || m.params === null ? [] : m.params;
  if (!Array.isArray(params)) return fail(id, 'bad-params', 'params must be an array');
  return parseMethod(m.method, id, params);
}

function str(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_FIELD_CHARS;
}

function parseMethod(method: string, id: RequestId, p: unknown[]): ParseResult {
  switch (method) {
    case 'mining.subscribe':
      return { ok: true, request: { method, id, userAgent: str(p[0]) ? p[0] : null } };
    case 'mining.authorize': {
      if (!str(p[0]) || p[0].length === 0)
        return fail(id, 'bad-params', 'username must be a string');
      const password = p[1] === undefined || p[1] === null ? '' : p[1];
      if (!str(password)) return fail(id, 'bad-params', 'password must be a string');
      return { ok: true, request: { method, id, username: p[0], password } };
    }
    case 'mining.configure': {
      const ext = p[0];
      const opts = p[1] ?? {};
      if (!Array.isArray(ext) || !ext.every(str) || ext.length > 16) {
        return fail(id, 'bad-params', 'extensions must be an array of strings');
      }
      if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
        return fail(id, 'bad-params', 'extension parameters must be an object');
      }
      return {
        ok: true,
        request: { method, id, extensions: ext, options: opts as Record<string, unknown> },
      };
    }
    case 'mining.suggest_difficulty': {
      const d = typeof p[0] === 'string' ? Number(p[0]) : p[0];
      if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
        return fail(id, 'bad-params', 'difficulty must be a positive number');
      }
      return { ok: true, request: { method, id, difficulty: d } };
    }
    case 'mining.extranonce.subscribe':
      return { ok: true, request: { method, id } };
    case 'mining.submit':
      return parseSubmit(id, p);
    default:
      return fail(id, 'unknown-method', method.slice(0, 64));
  }
}

function parseSubmit(id: RequestId, p: unknown[]): ParseResult {
  if (p.length < 5 || p.length > 7) return fail(id, 'bad-params', 'submit takes 5 to 7 params');
  const [worker, jobId, en2, ntime, nonce, extra, claim] = p;
  if (!str(worker) || !str(jobId) || jobId.length === 0 || jobId.length > 64) {
    return fail(id, 'bad-params', 'worker and job id must be strings');
  }
  if (!str(en2) || !HEX.test(en2) || en2.length % 2 !== 0) {
    return fail(id, 'bad-extranonce2', 'extranonce2 must be hex');
  }
  if (!str(ntime) || !U32_HEX.test(ntime))
    return fail(id, 'bad-params', 'ntime must be 8 hex digits');
  if (!str(nonce) || !U32_HEX.test(nonce))
    return fail(id, 'bad-params', 'nonce must be 8 hex digits');
  let x: string | null = null;
  if (extra !== undefined && extra !== null) {
    if (!str(extra) || !HEX.test(extra)) return fail(id, 'bad-params', '6th param must be hex');
    x = extra.toLowerCase();
  }
  if (claim !== undefined && claim !== null && (typeof claim !== 'string' || claim.length > 16))
    return fail(id, 'bad-params', '7th param must be a short string');
  return {
    ok: true,
    request: {
      method: 'mining.submit',
      id,
      submit: {
        worker,
        jobId,
        extranonce2: en2.toLowerCase(),
        ntime: Number.parseInt(ntime, 16),
        nonce: Number.parseInt(nonce, 16),
        extra: x,
        claim: typeof claim === 'string' ? claim : null,
      },
    },
  };
}

export function encodeResult(id: RequestId, result: unknown): string {
  // The reply to every accepted share: the same bytes JSON.stringify writes, without building
  // an object (ids are finite numbers once parsed; -0 prints as 0 either way).
  if (result === true && typeof id === 'number' && Number.isFinite(id))
    return `{"id":${id === 0 ? 0 : id},"result":true,"error":null}\n`;
  return `${JSON.stringify({ id, result, error: null })}\n`;
}

export function encodeError(id: RequestId, rejection: Rejection, detail?: string): string {
  return `${JSON.stringify({ id, result: null, error: stratumError(rejection, detail) })}\n`;
}

export function encodeNotification(method: string, params: unknown[]): string {
  return `${JSON.stringify({ id: null, method, params })}\n`;
}

/** Big-endian hex of a u32, as Stratum writes version/nbits/ntime/nonce. */
export function u32Hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export interface Framed {
  readonly lines: string[];
  /** The unterminated tail exceeded the cap: close the connection (nothing is kept). */
  readonly overflow: boolean;
  /** The bytes of an unterminated line, to pass with the next chunk (null: none). */
  readonly tail: Buffer | null;
}

/**
 * Splits a byte stream into lines: `tail` is what the last call returned, `chunk` the new read.
 * Lines are cut at newline bytes (never inside a UTF-8 sequence) and decoded one by one, so no
 * StringDecoder is kept per socket; `\r\n` and blank lines are tolerated. When the unterminated
 * tail exceeds `maxLineBytes` it returns `overflow: true` (the caller closes the connection) and
 * keeps nothing, so memory stays bounded.
 */
export function frameBytes(tail: Buffer | null, chunk: Buffer, maxLineBytes: number): Framed {
  const buf = tail === null ? chunk : Buffer.concat([tail, chunk]);
  const lines: string[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
    // The complete lines before an over-long one are still answered (then the connection goes).
    if (nl - start > maxLineBytes) return { lines, overflow: true, tail: null };
    const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    const line = buf.toString('utf8', start, end);
    if (line.trim().length > 0) lines.push(line);
    start = nl + 1;
  }
  if (buf.length - start > maxLineBytes) return { lines, overflow: true, tail: null };
  return {
    lines,
    overflow: false,
    tail: start < buf.length ? Buffer.from(buf.subarray(start)) : null,
  };
}
