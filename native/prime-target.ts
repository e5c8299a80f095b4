// Primecoin difficulty (nBits) arithmetic: chain length and fraction, fractional difficulty,
// block reward and the per-block retarget, as src/prime.cpp computes them (primecoin.md
// section 5). Pure BigInt math, the same for every backend, so it lives here once.
import { outOfRange } from './errors.js';
import { checkU32 } from './validate.js';

function outOfRangeIf(bad: boolean, message: string): void {
  if (bad) throw outOfRange(message);
}

export const FRACTIONAL_BITS = 24;
const FRACTION_ONE = 1n << 24n;
/** nFractionalDifficultyMin = 2^32, Max = 2^56, Threshold = 2^40 (prime.h). */
export const FRACTIONAL_DIFFICULTY_MIN = 1n << 32n;
export const FRACTIONAL_DIFFICULTY_MAX = 1n << 56n;
export const FRACTIONAL_DIFFICULTY_THRESHOLD = 1n << 40n;
const COIN = 100_000_000n;
const CENT = 1_000_000n;
const MINT_LIMIT = 999n * COIN;

/** TargetGetLength: the integer chain length, nBits >> 24. */
export const targetLength = (nBits: number): number => checkU32(nBits, 'nBits') >>> 24;
/** TargetGetFractional: the 24-bit fraction. */
export const targetFraction = (nBits: number): number => checkU32(nBits, 'nBits') & 0xffffff;
/** TargetToString: "%02x.%06x", e.g. 07.fd7624. */
export const targetToString = (nBits: number): string =>
  `${targetLength(nBits).toString(16).padStart(2, '0')}.${targetFraction(nBits).toString(16).padStart(6, '0')}`;

/** GetPrimeDifficulty: nBits / 2^24 as a float (display only, never for decisions). */
export const primeDifficulty = (nBits: number): number => checkU32(nBits, 'nBits') / 2 ** 24;

/** TargetGetFractionalDifficulty = 2^56 / (2^24 - fraction): 2^32 at fraction 0, 2^56 at 0xffffff. */
export const fractionalDifficulty = (nBits: number): bigint =>
  FRACTIONAL_DIFFICULTY_MAX / (FRACTION_ONE - BigInt(targetFraction(nBits)));

/**
 * TargetGetMint: 999 COIN << 24 / nBits, again << 24 / nBits (integer divisions over the full
 * 32-bit nBits), floored to a cent. ok = false (mint 0) when the length is below minLength or
 * the result exceeds 999 COIN. Satoshis (1 XPM = 1e8).
 */
export function targetMint(nBits: number, minLength = 6): { ok: boolean; mintSats: bigint } {
  if (targetLength(nBits) < minLength) return { ok: false, mintSats: 0n };
  let mint = (MINT_LIMIT << 24n) / BigInt(nBits);
  mint = (mint << 24n) / BigInt(nBits);
  mint = (mint / CENT) * CENT;
  return mint > MINT_LIMIT ? { ok: false, mintSats: 0n } : { ok: true, mintSats: mint };
}

/**
 * TargetGetNext (every block): D' = D * (interval + 1) * spacing /
 * ((interval - 1) * spacing + 2 * actualSpacing), clamped to [2^32, 2^56]; past 2^40 the length
 * steps up (D' = 2^32); at exactly 2^32 above minLength it steps down (D' = 2^40); then
 * fraction = 2^24 - 2^56 / D'. Mainnet: interval 10080 (one week of 60 s blocks), spacing 60.
 */
export function targetNext(
  nBits: number,
  actualSpacingSec: number,
  options: { interval?: number; spacingSec?: number; minLength?: number } = {},
): number {
  const interval = BigInt(options.interval ?? 10080);
  const spacing = BigInt(options.spacingSec ?? 60);
  const minLength = options.minLength ?? 6;
  outOfRangeIf(!Number.isSafeInteger(actualSpacingSec), 'actualSpacingSec must be a safe integer');
  const divisor = (interval - 1n) * spacing + 2n * BigInt(actualSpacingSec);
  outOfRangeIf(divisor === 0n, 'retarget divisor is zero');
  // BigInt division truncates toward zero like CBigNum's BN_div; a negative result clamps up.
  let d = (fractionalDifficulty(nBits) * ((interval + 1n) * spacing)) / divisor;
  if (d > FRACTIONAL_DIFFICULTY_MAX) d = FRACTIONAL_DIFFICULTY_MAX;
  if (d < FRACTIONAL_DIFFICULTY_MIN) d = FRACTIONAL_DIFFICULTY_MIN;
  let length = targetLength(nBits);
  if (d > FRACTIONAL_DIFFICULTY_THRESHOLD) {
    d = FRACTIONAL_DIFFICULTY_MIN;
    length += 1;
  } else if (d === FRACTIONAL_DIFFICULTY_MIN && length > minLength) {
    d = FRACTIONAL_DIFFICULTY_THRESHOLD;
    length -= 1;
  }
  const fraction = FRACTION_ONE - FRACTIONAL_DIFFICULTY_MAX / d;
  return ((length << 24) | Number(fraction)) >>> 0;
}
