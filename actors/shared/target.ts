// Targets as 256-bit integers: compact nBits <-> target, Stratum difficulty -> share target,
// "does this hash meet that target", and float difficulties for display and vardiff only.
//
// Formulas (docs/protocols/stratum-gbt.md §1.6, Core arith_uint256 SetCompact/GetCompact):
//   target(nBits)      = mantissa * 256^(exponent - 3), mantissa = nBits & 0x007fffff,
//                        exponent = nBits >>> 24; 0x00800000 is a sign bit (negative target).
//   diff1 (bdiff)      = 0x00000000ffff0000...00 = 0xffff * 2^208 (cgminer/ckpool `truediffone`;
//                        the target of nBits 1d00ffff; what every Stratum pool divides by).
//   share target(D)    = floor(diff1 / D); for fractional D = num/den (exact decimal): floor(diff1 * den / num).
//   difficulty(hash)   = diff1 / hash, where hash = the internal bytes read as a little-endian integer.
//   meets(hash, target) <=> hash <= target, compared as 256-bit integers (never as floats).
import { CodedError } from './errors.js';
import { bytesToHex, reverseBytes } from './hex.js';

export const TARGET_INVALID = 'TARGET_INVALID';
export const DIFFICULTY_INVALID = 'DIFFICULTY_INVALID';

/** 2^256 - 1, the largest value a 256-bit target can hold. */
export const MAX_TARGET = (1n << 256n) - 1n;

/** Difficulty-1 target, bdiff convention: 0xffff * 2^208. */
export const DIFF1_TARGET = 0xffffn << 208n;

/** A decoded nBits: `negative` and `overflow` mirror Core's SetCompact flags; such bits are invalid. */
export interface CompactTarget {
  readonly target: bigint;
  readonly negative: boolean;
  readonly overflow: boolean;
}

/** Decodes compact bits exactly as Core's arith_uint256::SetCompact. */
export function decodeCompact(bits: number): CompactTarget {
  assertU32(bits);
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3));
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow =
    word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

/** The target of valid nBits; throws TARGET_INVALID for negative, overflowing or zero targets. */
export function targetFromBits(bits: number): bigint {
  const c = decodeCompact(bits);
  if (c.negative || c.overflow || c.target === 0n) {
    const why = c.negative ? 'negative' : c.overflow ? 'overflowing' : 'zero';
    throw new CodedError(TARGET_INVALID, `nBits ${hex8(bits)} encode a ${why} target`);
  }
  return c.target;
}

/** Encodes a target as compact bits exactly as Core's arith_uint256::GetCompact (non-negative). */
export function bitsFromTarget(target: bigint): number {
  assertTarget(target);
  let size = byteLength(target);
  let compact: number;
  if (size <= 3) {
    compact = Number(target << BigInt(8 * (3 - size)));
  } else {
    compact = Number((target >> BigInt(8 * (size - 3))) & 0xffffffffn);
  }
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  return (compact | (size << 24)) >>> 0;
}

/**
 * Network difficulty of nBits as a float, Core's GetDifficulty:
 * 0xffff / mantissa * 256^(29 - exponent), computed with the same loop so results match Core.
 */
export function difficultyFromBits(bits: number): number {
  assertU32(bits);
  let shift = (bits >>> 24) & 0xff;
  let diff = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) {
    diff *= 256.0;
    shift++;
  }
  while (shift > 29) {
    diff /= 256.0;
    shift--;
  }
  return diff;
}

/**
 * Share target for a Stratum difficulty D (a JSON number or its decimal string, may be < 1):
 * floor(diff1 * den / num) where num/den is D's exact decimal value ("0.001" -> 1/1000), so
 * fractional difficulties are exact rather than float-rounded. Capped at 2^256 - 1.
 */
export function shareTargetFromDifficulty(difficulty: number | string): bigint {
  const { num, den } = decimalToRational(difficulty);
  const t = (DIFF1_TARGET * den) / num;
  return t > MAX_TARGET ? MAX_TARGET : t;
}

/** The 32 internal-order bytes of a hash read as a little-endian 256-bit integer. */
export function hashToBigInt(hashInternal: Uint8Array): bigint {
  if (hashInternal.length !== 32) {
    throw new CodedError(TARGET_INVALID, `a hash is 32 bytes, got ${hashInternal.length}`);
  }
  return BigInt(`0x${bytesToHex(reverseBytes(hashInternal))}`);
}

/** True when the hash (internal order) is <= target as 256-bit integers. */
export function hashMeetsTarget(hashInternal: Uint8Array, target: bigint): boolean {
  return hashToBigInt(hashInternal) <= target;
}

/** Difficulty of a hash for display and vardiff: diff1 / hash (Infinity for the zero hash). */
export function difficultyOfHash(hashInternal: Uint8Array): number {
  return ratioToNumber(DIFF1_TARGET, hashToBigInt(hashInternal));
}

/** Difficulty a target stands for (diff1 / target), for display and vardiff. */
export function difficultyFromTarget(target: bigint): number {
  assertTarget(target);
  return ratioToNumber(DIFF1_TARGET, target);
}

/** A target as 64 hex digits, most significant first (the display form GBT `target` uses). */
export function targetToHex(target: bigint): string {
  assertTarget(target);
  return target.toString(16).padStart(64, '0');
}

/** Parses 64 hex digits (display form) into a target. */
export function targetFromHex(hex: string): bigint {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new CodedError(
      TARGET_INVALID,
      `a target is 64 hex digits, got ${String(hex).slice(0, 70)}`,
    );
  }
  return BigInt(`0x${hex}`);
}

/** n / d as the nearest double, from integers of any size (keeps 64+ significant bits). */
function ratioToNumber(n: bigint, d: bigint): number {
  if (d === 0n) return Infinity;
  const shift = Math.max(0, bitLength(d) - bitLength(n) + 64);
  const q = (n << BigInt(shift)) / d;
  return Number(q) / 2 ** shift;
}

/** Exact rational num/den of a positive finite decimal ("1.5" -> 3/2 as 15/10). */
function decimalToRational(difficulty: number | string): { num: bigint; den: bigint } {
  const text = typeof difficulty === 'number' ? String(difficulty) : difficulty.trim();
  const m = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (typeof difficulty === 'number' && !Number.isFinite(difficulty))) {
    throw new CodedError(DIFFICULTY_INVALID, `difficulty must be a positive decimal, got ${text}`);
  }
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0') - frac.length;
  let num = BigInt(`${m[1] ?? '0'}${frac}`);
  let den = 1n;
  if (Math.abs(exp) > 400) {
    throw new CodedError(DIFFICULTY_INVALID, `difficulty out of range: ${text}`);
  }
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den = 10n ** BigInt(-exp);
  if (num === 0n) {
    throw new CodedError(DIFFICULTY_INVALID, `difficulty must be greater than zero, got ${text}`);
  }
  return { num, den };
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

function byteLength(v: bigint): number {
  return Math.ceil(bitLength(v) / 8);
}

function assertU32(v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new CodedError(TARGET_INVALID, `nBits must be a uint32, got ${v}`);
  }
}

function assertTarget(t: bigint): void {
  if (t < 0n || t > MAX_TARGET) {
    throw new CodedError(TARGET_INVALID, `a target is a 256-bit non-negative integer`);
  }
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}
