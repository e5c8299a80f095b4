// Montgomery arithmetic modulo an odd n of k 64-bit limbs (R = 2^(64k)): a lazy fixed-width
// path specialised per limb count K = 1..16 (pow2_lazy, n at least 3 bits below R) and a
// runtime-k path with full reductions (pow2<0>) for the widest numbers. On CPUs with BMI2 and
// ADX the lazy step for K = 4..6 (moduli up to 381 bits: today's origins) is mont-adx.h's.
// Only what the prime tests need: powers of two, 2^e mod n, by left-to-right square-and-double.
//
// REDC (Montgomery 1985; Koc, Acar, Kaliski 1996, "Analyzing and comparing Montgomery
// multiplication algorithms"): for T < n*R, m_i = t_i * (-n^-1) mod 2^64 makes T + m*n
// divisible by R word by word; the result T*R^-1 mod n is < 2n, one conditional subtraction.
// Squaring computes each cross product a_i*a_j (i<j) once, doubles, then adds the a_i^2.
#ifndef COLLIERY_MONT_H
#define COLLIERY_MONT_H

#include "bignum.h"
#include "mont-adx.h"

namespace colliery {
namespace mont {

// Whether pow2_lazy uses mont-adx.h for K = 4..6: the CPU has BMI2 and ADX (cpuid, read
// once) and it was not switched off (select_adx(false): tests compare both paths).
bool adx_enabled();
bool select_adx(bool on);

// -n^-1 mod 2^64 for odd n0, by Newton iteration (each step doubles the correct low bits).
inline limb_t neg_inverse(limb_t n0) {
  limb_t x = n0;  // correct to 3 bits for odd n0
  for (int i = 0; i < 5; i++) x *= 2 - n0 * x;
  return (limb_t)0 - x;
}

// x = x - n if (carry || x >= n), branch-free.
template <int K>
inline void cond_sub(limb_t* x, limb_t carry, const limb_t* n, int kd) {
  const int k = K > 0 ? K : kd;
  limb_t d[K > 0 ? K : kMaxLimbs];
  limb_t borrow = 0;
  for (int i = 0; i < k; i++) {
    const dlimb_t s = (dlimb_t)x[i] - n[i] - borrow;
    d[i] = (limb_t)s;
    borrow = (limb_t)(s >> 64) & 1;
  }
  // keep x when it was smaller than n and had no carry out: borrow && !carry
  const limb_t keep = (limb_t)0 - (limb_t)(borrow & (carry ^ 1));
  for (int i = 0; i < k; i++) x[i] = (x[i] & keep) | (d[i] & ~keep);
}

// x = t * R^-1 mod n for t of 2k limbs (t is clobbered).
template <int K>
inline void redc(limb_t* x, limb_t* t, const limb_t* n, limb_t ninv, int kd) {
  const int k = K > 0 ? K : kd;
  limb_t extra = 0;
  for (int i = 0; i < k; i++) {
    const limb_t m = t[i] * ninv;
    limb_t carry = 0;
    for (int j = 0; j < k; j++) {
      const dlimb_t p = (dlimb_t)m * n[j] + t[i + j] + carry;
      t[i + j] = (limb_t)p;
      carry = (limb_t)(p >> 64);
    }
    const dlimb_t s = (dlimb_t)t[i + k] + carry + extra;
    t[i + k] = (limb_t)s;
    extra = (limb_t)(s >> 64);
  }
  for (int i = 0; i < k; i++) x[i] = t[i + k];
  cond_sub<K>(x, extra, n, kd);
}

// x = x^2 * R^-1 mod n.
template <int K>
inline void sqr(limb_t* x, const limb_t* n, limb_t ninv, int kd) {
  const int k = K > 0 ? K : kd;
  limb_t t[2 * (K > 0 ? K : kMaxLimbs)];
  for (int i = 0; i < 2 * k; i++) t[i] = 0;
  for (int i = 0; i < k; i++) {
    limb_t carry = 0;
    for (int j = i + 1; j < k; j++) {
      const dlimb_t p = (dlimb_t)x[i] * x[j] + t[i + j] + carry;
      t[i + j] = (limb_t)p;
      carry = (limb_t)(p >> 64);
    }
    t[i + k] = carry;
  }
  limb_t top = 0;
  for (int i = 0; i < 2 * k; i++) {
    const limb_t v = t[i];
    t[i] = (v << 1) | top;
    top = v >> 63;
  }
  limb_t carry = 0;
  for (int i = 0; i < k; i++) {
    const dlimb_t sq = (dlimb_t)x[i] * x[i];
    dlimb_t s = (dlimb_t)t[2 * i] + (limb_t)sq + carry;
    t[2 * i] = (limb_t)s;
    s = (dlimb_t)t[2 * i + 1] + (limb_t)(sq >> 64) + (limb_t)(s >> 64);
    t[2 * i + 1] = (limb_t)s;
    carry = (limb_t)(s >> 64);
  }
  redc<K>(x, t, n, ninv, kd);
}

// x = 2x mod n (x < n), branch-free.
template <int K>
inline void dbl(limb_t* x, const limb_t* n, int kd) {
  const int k = K > 0 ? K : kd;
  limb_t top = 0;
  for (int i = 0; i < k; i++) {
    const limb_t v = x[i];
    x[i] = (v << 1) | top;
    top = v >> 63;
  }
  cond_sub<K>(x, top, n, kd);
}

// --- The lazy fast path: a fixed K with at least 3 bits of slack (8n < R = 2^(64K)). -----------
// Residues stay in [0, 2n) and are never fully reduced inside the loop: for x < 2n,
// x^2 * 2^b < 8n^2 < nR (b in {0, 1}), so REDC(x^2 * 2^b) = (T + mn)/R < 8n^2/R + n < 2n with no
// final subtraction (Walter 1999, "Montgomery exponentiation needs no final subtractions").
// One step of left-to-right binary exponentiation (square, and double if the bit is set) is
// then one Montgomery product x * (x << b), branch-free; x << b < 4n still fits in K limbs.
// The product is fully unrolled product scanning with a three-word column accumulator.

#define COLLIERY_UNROLL _Pragma("GCC unroll 16")

// (c2:c1:c0) += a * b, the column accumulator of product scanning.
__attribute__((always_inline)) inline void mac(limb_t& c0, limb_t& c1, limb_t& c2, limb_t a, limb_t b) {
#if defined(__x86_64__)
  // mul/add/adc/adc: what the __int128 form should compile to and, with GCC, does not.
  __asm__("mulq %[b]\n\taddq %%rax, %[c0]\n\tadcq %%rdx, %[c1]\n\tadcq $0, %[c2]"
          : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), "+a"(a)
          : [b] "rm"(b)
          : "rdx", "cc");
#else
  const dlimb_t p = (dlimb_t)a * b;
  const dlimb_t lo = (((dlimb_t)c1 << 64) | c0) + p;
  c2 += lo < p;
  c0 = (limb_t)lo;
  c1 = (limb_t)(lo >> 64);
#endif
}

// r = a * b * R^-1 mod n in [0, 2n), for a * b < nR (Koc, Acar, Kaliski 1996: FIPS, the
// finely integrated product scanning form: each column adds its a_j b_(i-j) and m_j n_(i-j)).
template <int K>
__attribute__((always_inline)) inline void mul_lazy(limb_t* r, const limb_t* a, const limb_t* b,
                                                    const limb_t* n, limb_t ninv) {
  limb_t m[K];
  limb_t c0 = 0, c1 = 0, c2 = 0;
  COLLIERY_UNROLL
  for (int i = 0; i < K; i++) {
    COLLIERY_UNROLL
    for (int j = 0; j < i; j++) {
      mac(c0, c1, c2, a[j], b[i - j]);
      mac(c0, c1, c2, m[j], n[i - j]);
    }
    mac(c0, c1, c2, a[i], b[0]);
    m[i] = c0 * ninv;
    mac(c0, c1, c2, m[i], n[0]);
    c0 = c1;
    c1 = c2;
    c2 = 0;
  }
  COLLIERY_UNROLL
  for (int i = K; i < 2 * K; i++) {
    COLLIERY_UNROLL
    for (int j = i - K + 1; j < K; j++) {
      mac(c0, c1, c2, a[j], b[i - j]);
      mac(c0, c1, c2, m[j], n[i - j]);
    }
    r[i - K] = c0;
    c0 = c1;
    c1 = c2;
    c2 = 0;
  }
}

// x = x^2 * 2^bit * R^-1 mod n in [0, 2n), for x < 2n and 8n < R.
template <int K>
__attribute__((always_inline)) inline void sqr_shift_lazy(limb_t* x, limb_t bit, const limb_t* n,
                                                          limb_t ninv) {
  limb_t y[K];
  const limb_t up = (limb_t)0 - bit;
  limb_t a[K];
  COLLIERY_UNROLL
  for (int i = 0; i < K; i++) a[i] = x[i];
  y[0] = x[0] << bit;
  COLLIERY_UNROLL
  for (int i = 1; i < K; i++) y[i] = (x[i] << bit) | ((x[i - 1] >> 63) & up);
  mul_lazy<K>(x, a, y, n, ninv);
}

// r = 2^e mod n for odd n >= 3 with bits(n) <= 64K - 3 (n.n may be K or K - 1), e >= 1;
// if r2 is given, also r2 = r^2 mod n.
template <int K>
void pow2_lazy(const Num& nn, const Num& e, Num* r, Num* r2) {
  limb_t n[K];
  COLLIERY_UNROLL
  for (int i = 0; i < K; i++) n[i] = i < nn.n ? nn.v[i] : 0;
  const limb_t ninv = neg_inverse(n[0]);
  const int ebits = num_bits(e);
  const int head = ebits < 6 ? ebits : 6;
  int t = 0;
  for (int i = ebits - 1; i >= ebits - head; i--) t = (t << 1) | num_bit(e, i);
  // x = 2^t * R mod n, from 2^(bits(n)-1) < n by exact doublings (kept below n).
  limb_t x[K];
  COLLIERY_UNROLL
  for (int i = 0; i < K; i++) x[i] = 0;
  const int nb = num_bits(nn);
  x[(nb - 1) >> 6] = (limb_t)1 << ((nb - 1) & 63);
  for (int i = 64 * K - (nb - 1) + t; i > 0; i--) dbl<K>(x, n, K);
  bool done = false;
  if constexpr (K >= 4 && K <= 6) {
    if (adx_enabled()) {  // the same product by MULX/ADCX/ADOX (mont-adx.h): x * (x << bit)
      limb_t y[K];
      for (int i = ebits - head - 1; i >= 0; i--) {
        const limb_t bit = (limb_t)num_bit(e, i);
        const limb_t up = (limb_t)0 - bit;
        y[0] = x[0] << bit;
        COLLIERY_UNROLL
        for (int j = 1; j < K; j++) y[j] = (x[j] << bit) | ((x[j - 1] >> 63) & up);
        mul_adx<K>(x, y, n, ninv);
      }
      done = true;
    }
  }
  if (!done)
    for (int i = ebits - head - 1; i >= 0; i--) sqr_shift_lazy<K>(x, (limb_t)num_bit(e, i), n, ninv);
  // Leave Montgomery form: REDC(y) = y * 1 * R^-1 for y < 2n is at most n; one full
  // subtraction makes it < n.
  limb_t one[K];
  COLLIERY_UNROLL
  for (int i = 0; i < K; i++) one[i] = i == 0;
  if (r2) {
    limb_t y[K];
    mul_lazy<K>(y, x, x, n, ninv);
    mul_lazy<K>(y, y, one, n, ninv);
    cond_sub<K>(y, 0, n, K);
    for (int i = 0; i < nn.n; i++) r2->v[i] = y[i];
    r2->n = nn.n;
    num_norm(*r2);
  }
  mul_lazy<K>(x, x, one, n, ninv);
  cond_sub<K>(x, 0, n, K);
  for (int i = 0; i < nn.n; i++) r->v[i] = x[i];
  r->n = nn.n;
  num_norm(*r);
}

#undef COLLIERY_UNROLL

// r = 2^e mod n (n odd, n >= 3, k = n.n limbs, e >= 1); if r2 is given, also r2 = r^2 mod n.
template <int K>
void pow2(const Num& nn, const Num& e, Num* r, Num* r2) {
  const int kd = nn.n;
  const int k = K > 0 ? K : kd;
  const limb_t* n = nn.v;
  const limb_t ninv = neg_inverse(n[0]);
  const int ebits = num_bits(e);
  // Start from 2^t * R mod n, t = the top (up to) 6 bits of e: the Montgomery form of 2^t,
  // reached from 2^(bits(n)-1) < n by doublings.
  const int head = ebits < 6 ? ebits : 6;
  int t = 0;
  for (int i = ebits - 1; i >= ebits - head; i--) t = (t << 1) | num_bit(e, i);
  limb_t x[K > 0 ? K : kMaxLimbs];
  for (int i = 0; i < k; i++) x[i] = 0;
  const int nb = num_bits(nn);
  x[(nb - 1) >> 6] = (limb_t)1 << ((nb - 1) & 63);
  for (int i = 64 * k - (nb - 1) + t; i > 0; i--) dbl<K>(x, n, kd);
  for (int i = ebits - head - 1; i >= 0; i--) {
    sqr<K>(x, n, ninv, kd);
    if (num_bit(e, i)) dbl<K>(x, n, kd);
  }
  limb_t tt[2 * (K > 0 ? K : kMaxLimbs)];
  if (r2) {
    limb_t y[K > 0 ? K : kMaxLimbs];
    for (int i = 0; i < k; i++) y[i] = x[i];
    sqr<K>(y, n, ninv, kd);
    for (int i = 0; i < 2 * k; i++) tt[i] = i < k ? y[i] : 0;
    redc<K>(y, tt, n, ninv, kd);
    for (int i = 0; i < k; i++) r2->v[i] = y[i];
    r2->n = k;
    num_norm(*r2);
  }
  for (int i = 0; i < 2 * k; i++) tt[i] = i < k ? x[i] : 0;
  redc<K>(x, tt, n, ninv, kd);
  for (int i = 0; i < k; i++) r->v[i] = x[i];
  r->n = k;
  num_norm(*r);
}

}  // namespace mont
}  // namespace colliery

#endif
