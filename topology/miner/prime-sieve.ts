// The prime demo miner's search: a sieve of Eratosthenes over the variable part k of the
// multiplier M = p# · k, as Primecoin's reference miner does (src/prime.cpp
// CSieveOfEratosthenes; docs/protocols/primecoin.md §7). For a header hash H the origin is
// O = H · p# · k; chain member i of the first kind is O·2^i − 1 and of the second kind
// O·2^i + 1. A sieve prime q (not dividing p#) divides O·2^i ∓ 1 exactly when
//   k ≡ ±(H · p# · 2^i)^(−1)  (mod q),
// so for each q and each depth i < `depth` we strike one residue class per chain kind. A k
// that survives for some kind (bi-twin: both kinds to half the depth) is a candidate, tested
// afterwards with real Fermat tests. `depth` is the chain length the miner targets: the
// members beyond it are not sieved, so chains longer than `depth` become rarer.

/** 2·3·5·…·p for the first `count` primes. */
export function primorial(count: number): bigint {
  let out = 1n;
  for (const p of smallPrimes(count)) out *= BigInt(p);
  return out;
}

const primeCache: number[] = [];

/** The first `count` primes (2, 3, 5, …). */
export function smallPrimes(count: number): number[] {
  if (primeCache.length >= count) return primeCache.slice(0, count);
  const out: number[] = [];
  for (let n = 2; out.length < count; n++) {
    let prime = true;
    for (const p of out) {
      if (p * p > n) break;
      if (n % p === 0) {
        prime = false;
        break;
      }
    }
    if (prime) out.push(n);
  }
  primeCache.splice(0, primeCache.length, ...out);
  return out;
}

/** Modular inverse of a (mod m), m prime and a ≢ 0. */
function inverse(a: number, m: number): number {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1, 0];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

export interface SieveOptions {
  /** The number of primes in the fixed primorial p# (and skipped by the sieve). */
  readonly primorialPrimes: number;
  /** How many further primes sieve (larger: fewer, better candidates). */
  readonly sievePrimes: number;
  /** Chain members sieved per kind: the chain length the miner targets. */
  readonly depth: number;
  /** k runs over [1, size]. */
  readonly size: number;
}

/**
 * The k in [1, size] whose origins H·p#·k survive the sieve for at least one chain kind, in
 * increasing order.
 */
export function sieveCandidates(hash: bigint, o: SieveOptions): number[] {
  const fixed = primorial(o.primorialPrimes);
  const primes = smallPrimes(o.primorialPrimes + o.sievePrimes).slice(o.primorialPrimes);
  const size = o.size;
  const twinDepth1 = Math.ceil(o.depth / 2);
  const twinDepth2 = Math.floor(o.depth / 2);
  // bit 0: 1CC composite within depth; bit 1: 2CC; bit 2: 1CC within twin depth; bit 3: 2CC within twin depth
  const marks = new Uint8Array(size + 1);
  for (const q of primes) {
    const base = Number((hash * fixed) % BigInt(q));
    if (base === 0) continue; // q divides every origin: nothing to strike by residue
    let inv = inverse(base, q); // (H·p#·2^i)^(−1) for i = 0
    const half = (q + 1) / 2; // inverse of 2 mod q
    for (let i = 0; i < o.depth; i++) {
      const r1 = inv; // 1CC member i divisible by q when k ≡ r1
      const r2 = (q - inv) % q; // 2CC member i divisible when k ≡ −r1
      const bits1 = i < twinDepth1 ? 0b0101 : 0b0001;
      const bits2 = i < twinDepth2 ? 0b1010 : 0b0010;
      for (let k = r1 === 0 ? q : r1; k <= size; k += q) marks[k]! |= bits1;
      for (let k = r2 === 0 ? q : r2; k <= size; k += q) marks[k]! |= bits2;
      inv = (inv * half) % q;
    }
  }
  const out: number[] = [];
  for (let k = 1; k <= size; k++) {
    const m = marks[k]!;
    if ((m & 0b0001) === 0 || (m & 0b0010) === 0 || (m & 0b1100) === 0) out.push(k);
  }
  return out;
}
