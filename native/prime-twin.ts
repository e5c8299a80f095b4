// Primecoin proof of work in TypeScript BigInt: the twin of native/src/prime.cc, written
// straight from primecoin/primecoin src/prime.cpp (primecoin.md sections 3, 4 and 6).
import type { ChainType, ChainWords, PowErrorCode, PowVerdict } from './types.js';

const ONE_LENGTH = 0x1000000;
const LIMIT = 1n << 255n; // hashBlockHeaderLimit = bnPrimeMin = 2^255
const PRIME_MAX = (1n << 2000n) - 1n;
const TYPES: readonly ChainType[] = ['1CC', '2CC', 'TWN'];

/** 2^e mod n by left-to-right square-and-double (n >= 1, e >= 0). */
export function pow2Mod(e: bigint, n: bigint): bigint {
  if (n === 1n) return 0n;
  let r = 1n;
  for (const bit of e.toString(2)) {
    r = (r * r) % n;
    if (bit === '1') {
      r <<= 1n;
      if (r >= n) r -= n;
    }
  }
  return r % n;
}

export const fermatTest = (n: bigint): boolean => pow2Mod(n - 1n, n) === 1n;

// floor(((n - r) << 24) / n) into the low 24 bits; >= 2^24 (r == 0) leaves len alone.
function withFraction(n: bigint, r: bigint, len: number): number {
  const frac = ((n - r) << 24n) / n;
  if (frac >= 1n << 24n) return len;
  return ((len & 0xff000000) | Number(frac)) >>> 0;
}

function fermatStep(n: bigint, len: number): { prime: boolean; len: number } {
  const r = pow2Mod(n - 1n, n);
  return r === 1n ? { prime: true, len } : { prime: false, len: withFraction(n, r, len) };
}

function ellStep(n: bigint, sophieGermain: boolean, len: number): { prime: boolean; len: number } {
  const mod8 = Number(n & 7n);
  if (sophieGermain ? mod8 !== 7 && mod8 !== 3 : mod8 !== 1 && mod8 !== 5)
    return { prime: false, len };
  const r = pow2Mod((n - 1n) >> 1n, n);
  const pass = mod8 === 7 || mod8 === 1 ? r === 1n : r + 1n === n;
  return pass ? { prime: true, len } : { prime: false, len: withFraction(n, (r * r) % n, len) };
}

// ProbableCunninghamChainTest: Fermat on the first member, then ELL (or Fermat) on 2n +- 1.
function cunningham(start: bigint, sophieGermain: boolean, fermat: boolean): number {
  let step = fermatStep(start, 0);
  if (!step.prime) return step.len;
  let n = start;
  let len = 0;
  for (;;) {
    len = (len + ONE_LENGTH) >>> 0;
    n = sophieGermain ? 2n * n + 1n : 2n * n - 1n;
    step = fermat ? fermatStep(n, len) : ellStep(n, sophieGermain, len);
    len = step.len;
    if (!step.prime) return len;
  }
}

/** ProbablePrimeChainTest's three words for an origin >= 2. */
export function primeChainWords(origin: bigint, fermat: boolean): ChainWords {
  const c1 = cunningham(origin - 1n, true, fermat);
  const c2 = cunningham(origin + 1n, false, fermat);
  const l1 = c1 >>> 24;
  const l2 = c2 >>> 24;
  const tw = l1 > l2 ? (c2 + (l2 + 1) * ONE_LENGTH) >>> 0 : (c1 + l1 * ONE_LENGTH) >>> 0;
  return { cunningham1: c1, cunningham2: c2, biTwin: tw };
}

/** 1CC, then 2CC if strictly longer, then TWN if strictly longer. */
export function chooseChain(w: ChainWords): { type: ChainType; length: number } {
  const words = [w.cunningham1, w.cunningham2, w.biTwin];
  let best = 0;
  for (let i = 1; i < 3; i++) if (words[i]! > words[best]!) best = i;
  return { type: TYPES[best]!, length: words[best]! };
}

export const meetsTarget = (w: ChainWords, nBits: number): boolean =>
  w.cunningham1 >= nBits || w.cunningham2 >= nBits || w.biTwin >= nBits;

export const targetValid = (nBits: number, minLength: number): boolean =>
  nBits >>> 24 >= minLength && nBits >>> 24 <= 99;

/** Steps 2-3: header hash limit, then origin O = H*M within [2^255, 2^2000 - 1]. */
export function originOf(
  hash: bigint,
  multiplier: bigint,
): { origin: bigint; error: null } | { origin: null; error: PowErrorCode } {
  if (hash < LIMIT) return { origin: null, error: 'hash-under-limit' };
  if (multiplier <= 0n) return { origin: null, error: 'origin-too-small' };
  // H >= 2^255: a multiplier of 1746+ bits makes O >= 2^2000 (no need to multiply it out)
  if (multiplier >= 1n << 1745n) return { origin: null, error: 'origin-too-big' };
  const origin = hash * multiplier;
  if (origin < LIMIT) return { origin: null, error: 'origin-too-small' };
  if (origin > PRIME_MAX) return { origin: null, error: 'origin-too-big' };
  return { origin, error: null };
}

/** The normalization rule: M even, O % 4 == 0 and a chain of O/2 longer than `length`. */
export function notNormalized(multiplier: bigint, origin: bigint, length: number): boolean {
  if (multiplier % 2n !== 0n || origin % 4n !== 0n) return false;
  const w = primeChainWords(origin / 2n, false);
  return w.cunningham1 > length || w.cunningham2 > length || w.biTwin > length;
}

export const sameWords = (a: ChainWords, b: ChainWords): boolean =>
  a.cunningham1 === b.cunningham1 && a.cunningham2 === b.cunningham2 && a.biTwin === b.biTwin;

/** CheckPrimeProofOfWork(H, nBits, M) with nTargetMinLength = minLength. */
export function checkPow(
  hash: bigint,
  multiplier: bigint,
  nBits: number,
  minLength: number,
): PowVerdict {
  const fail = (error: PowErrorCode, type: ChainType | null = null, length = 0): PowVerdict => ({
    ok: false,
    type,
    length,
    error,
  });
  if (!targetValid(nBits, minLength)) return fail('invalid-target');
  const range = originOf(hash, multiplier);
  if (range.origin === null) return fail(range.error);
  const ell = primeChainWords(range.origin, false);
  const { type, length } = chooseChain(ell);
  if (!meetsTarget(ell, nBits)) return fail('chain-too-short', type, length);
  if (!sameWords(ell, primeChainWords(range.origin, true)))
    return fail('fermat-mismatch', type, length);
  if (notNormalized(multiplier, range.origin, length)) return fail('not-normalized', type, length);
  return { ok: true, type, length, error: null };
}
