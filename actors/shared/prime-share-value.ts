// What a prime share is worth: the work model behind chain-length targets, the share weight
// and the job's net weight in the ledger's unit (WEIGHT_ONE), so that weight / netWeight is a
// share's probability-equivalent contribution to finding a block, as for hash shares.
//
// Work model (the client's own: docs/protocols/primecoin.md §5, GetBlockWork's
// nWorkTransitionRatio, and TargetGetFractionalDifficulty's uniform fraction). A chain
// length word ℓ = L.f (L primes, 24-bit fraction f of the first composite). From a chain of
// L primes the next member is prime with probability p = 1/R; otherwise its Fermat-remainder
// fraction is uniform on [0, 1). So, with F = f / 2^24,
//   P(length ≥ L.f | length ≥ L) = p + (1 − p)(1 − F)
//   W(L.f) := R^L / (p + (1 − p)(1 − F))        expected candidates per chain of length ≥ L.f
// W is continuous and increasing: W(L.0) = R^L and W(L.f) → R^(L+1) as f → 1.
//
// Share value. The pool asks each connection for chains of at least t (its share target) and
// a block needs B (the network's nBits). Under the model, for a chain already known to be at
// least t, Y = ln(W(ℓ) / W(t)) is exponential with mean 1 (P(Y ≥ y) = e^−y). Crediting a
// share by its target alone (hash-style, W(t) per share) pays a miner who sieves only for
// the share length as much per share as an honest one, although its chains rarely reach B.
// Crediting the work its own length proves instead, capped at the block,
//   weight(ℓ) = W(min(ℓ, B)) / (1 + ln(W(B) / W(t)))
// keeps the expectation right: E[W(min(ℓ, B))] = W(t) · (1 + ln(W(B)/W(t))) (the integral of
// e^Y against e^−Y up to the cap, plus the capped tail), so E[weight] = W(t) for every t —
// weight / W(B) has the expectation P(block | share), whatever share target vardiff chose.
// A miner whose software sieves only for the share length finds chains that rarely continue
// past it: its shares still earn their within-length fraction (E = ln R / (1 − 1/R) in units of
// W(t), the fraction being uniform whatever the miner does) but little of the tail, against
// 1 + ln(W(B)/W(t)) for an honest share. It breaks even only with that ratio more shares per
// unit of work: ≈ 2.5× for mainnet shares of 08.000000 under blocks of 0a.99999a (R = 32),
// ≈ 1.5× on the devnet (03.000000 under 05.800000, R = 10); sieving fewer members buys about
// 1.3× the candidates with our sieve, each of them less likely to reach the share length. The
// margin grows with the gap between share and block targets. This is what the ledger pays on:
// weight / netWeight, netWeight = W(B) in the same unit.
//
// Units: WEIGHT_ONE is one share of length `baseLength`.0 (the coin's smallest share
// target); weight = round(WEIGHT_ONE · weight(ℓ) / W(base)) ≥ 1 and
// netWeight = floor(WEIGHT_ONE · W(B) / W(base)), exact in BigInt.
import { WEIGHT_ONE } from './share-weight.js';

const FRACTION_ONE = 2 ** 24;

/** A coin's chain-length work model. */
export interface PrimeWorkModel {
  /** R: how much harder one more chain member is (Primecoin's client: 32). */
  readonly stepRatio: number;
  /** Chain length (integer) of a WEIGHT_ONE share; the lowest share target. */
  readonly baseLength: number;
}

/** Chain length word (L << 24 | f) as a number L + f / 2^24 (what set_difficulty carries). */
export function lengthOfWord(word: number): number {
  return (word >>> 0) / FRACTION_ONE;
}

/** The chain length word of a length number (rounded to the 24-bit fraction). */
export function wordOfLength(length: number): number {
  return Math.min(0xffffffff, Math.max(0, Math.round(length * FRACTION_ONE))) >>> 0;
}

/** W(ℓ) relative to length 0: R^L / (p + (1 − p)(1 − F)). */
export function chainWork(word: number, model: PrimeWorkModel): number {
  const L = word >>> 24;
  const F = (word & 0xffffff) / FRACTION_ONE;
  const p = 1 / model.stepRatio;
  return model.stepRatio ** L / (p + (1 - p) * (1 - F));
}

/** The inverse of chainWork: the chain length word whose work is `work`. */
export function wordOfWork(work: number, model: PrimeWorkModel): number {
  const R = model.stepRatio;
  if (!(work > 1)) return 0;
  let L = Math.floor(Math.log(work) / Math.log(R));
  while (R ** (L + 1) <= work) L++;
  while (L > 0 && R ** L > work) L--;
  if (L >= 0xff) return 0xff000000 >>> 0;
  const p = 1 / R;
  // R^L / work = p + (1 − p)(1 − F)  →  F = 1 − (R^L / work − p) / (1 − p)
  const F = 1 - (R ** L / work - p) / (1 - p);
  const f = Math.min(FRACTION_ONE - 1, Math.max(0, Math.floor(F * FRACTION_ONE)));
  return ((L << 24) | f) >>> 0;
}

/**
 * A share's weight in WEIGHT_ONE units: W(min(ℓ, B)) / (1 + ln(W(B)/W(t))) / W(base),
 * rounded, at least 1. `chain` is the share's best chain word, `shareTarget` the word it was
 * judged against, `blockTarget` the job's nBits.
 */
export function primeShareWeight(
  chain: number,
  shareTarget: number,
  blockTarget: number,
  model: PrimeWorkModel,
): number {
  const wB = chainWork(blockTarget, model);
  const wT = Math.min(chainWork(shareTarget, model), wB);
  const capped = Math.min(chainWork(Math.max(chain, shareTarget) >>> 0, model), wB);
  const base = model.stepRatio ** model.baseLength;
  const value = capped / (1 + Math.log(wB / wT)) / base;
  return Math.max(1, Math.round(value * WEIGHT_ONE));
}

/** The expected value of primeShareWeight for an honest share at `shareTarget` (= W(t)/W(base)). */
export function expectedPrimeShareWeight(shareTarget: number, model: PrimeWorkModel): number {
  return (chainWork(shareTarget, model) / model.stepRatio ** model.baseLength) * WEIGHT_ONE;
}

/**
 * Expected weight per block at nBits B: floor(WEIGHT_ONE · W(B) / W(base)), exact:
 *   W(B)/W(base) = R^(L−base) · R · 2^24 / (2^24 + (R − 1)(2^24 − f))   (R an integer).
 */
export function primeNetWeight(blockTarget: number, model: PrimeWorkModel): bigint {
  const R = BigInt(model.stepRatio);
  const L = blockTarget >>> 24;
  const f = BigInt(blockTarget & 0xffffff);
  const one = BigInt(FRACTION_ONE);
  const num = BigInt(WEIGHT_ONE) * R * one;
  const den = one + (R - 1n) * (one - f);
  const steps = L - model.baseLength;
  if (steps >= 0) return (num * R ** BigInt(steps)) / den;
  return num / (den * R ** BigInt(-steps));
}
