// Input checks shared by both backends, so the same bad input throws the same code from the
// addon and from the twin. Everything a caller can pass wrong is checked here, once.
import { badInput, outOfRange } from './errors.js';
import type { SubmitRequest } from './types.js';

export const MAINNET_MIN_LENGTH = 6;
/** 2^2000 - 1, the largest origin (bnPrimeMax). */
export const ORIGIN_MAX = (1n << 2000n) - 1n;

const tag = Object.prototype.toString;

/** A Uint8Array (Buffer included), from this realm or another (worker threads, vm). */
export function checkBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (tag.call(value) !== '[object Uint8Array]') throw badInput(`${name} must be a Uint8Array`);
  const bytes = value as Uint8Array;
  if (length !== undefined && bytes.length !== length) {
    throw badInput(`${name} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function checkU32(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw badInput(`${name} must be an integer in [0, 2^32 - 1]`);
  }
  return value;
}

export function checkBigint(value: unknown, name: string): bigint {
  if (typeof value !== 'bigint') throw badInput(`${name} must be a bigint`);
  return value;
}

/**
 * An origin for primeChain: [2, 2^2048 - 1]. Wider than consensus (ORIGIN_MAX) so that callers
 * can ask for the words of an origin just past the limit, as the vectors do.
 */
export function checkOrigin(value: unknown): bigint {
  const origin = checkBigint(value, 'origin');
  if (origin < 2n || origin >= 1n << 2048n) throw outOfRange('origin must be in [2, 2^2048 - 1]');
  return origin;
}

export function checkFermatInput(value: unknown): bigint {
  const n = checkBigint(value, 'n');
  if (n < 1n || n >= 1n << 2048n) throw outOfRange('n must be in [1, 2^2048 - 1]');
  return n;
}

export function checkMinLength(value: unknown): number {
  if (value === undefined) return MAINNET_MIN_LENGTH;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 99) {
    throw outOfRange('minLength must be an integer in [1, 99]');
  }
  return value;
}

export function checkHeaders(value: unknown): Uint8Array {
  const headers = checkBytes(value, 'headers');
  if (headers.length % 80 !== 0) throw badInput('headers length must be a multiple of 80');
  return headers;
}

export function checkSubmit(value: unknown): SubmitRequest {
  if (typeof value !== 'object' || value === null)
    throw badInput('submit request must be an object');
  const r = value as Record<string, unknown>;
  const req: SubmitRequest = {
    coinbase1: checkBytes(r.coinbase1, 'coinbase1'),
    extranonce1: checkBytes(r.extranonce1, 'extranonce1'),
    extranonce2: checkBytes(r.extranonce2, 'extranonce2'),
    coinbase2: checkBytes(r.coinbase2, 'coinbase2'),
    merkleBranches: checkBytes(r.merkleBranches, 'merkleBranches'),
    version: checkU32(r.version, 'version'),
    prevHash: checkBytes(r.prevHash, 'prevHash', 32),
    ntime: checkU32(r.ntime, 'ntime'),
    nbits: checkU32(r.nbits, 'nbits'),
    nonce: checkU32(r.nonce, 'nonce'),
  };
  if (req.merkleBranches.length % 32 !== 0) {
    throw badInput('merkleBranches length must be a multiple of 32');
  }
  return req;
}

export function checkSubmits(value: unknown): SubmitRequest[] {
  if (!Array.isArray(value)) throw badInput('submit requests must be an array');
  return value.map(checkSubmit);
}
