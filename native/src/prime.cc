// Primecoin proof of work (src/prime.cpp of primecoin/primecoin, re-implemented on our own
// fixed-width Montgomery arithmetic; docs/protocols/primecoin.md sections 3, 4 and 6).
#include "prime.h"

#include <cpuid.h>
#include <cstring>
#include <vector>

#include "mont.h"
#include "sha256.h"

namespace colliery {

namespace mont {
namespace {
bool adx_in_cpu() {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return (b & (1u << 8)) && (b & (1u << 19));  // BMI2, ADX
#else
  return false;
#endif
}
const bool g_adx_cpu = adx_in_cpu();
bool g_adx = g_adx_cpu;
}  // namespace
bool adx_enabled() { return g_adx; }
bool select_adx(bool on) {
  g_adx = on && g_adx_cpu;
  return g_adx == on;
}
}  // namespace mont

namespace {

constexpr uint32_t kLengthMask = 0xff000000u;
constexpr uint32_t kOneLength = 1u << 24;

// r = 2^e mod n for odd n >= 3: the lazy fixed-width path when some K <= 16 leaves 3 bits of
// slack (K = ceil((bits(n) + 3) / 64)), else the runtime-width path with full reductions.
void pow2_mod(const Num& n, const Num& e, Num* r, Num* r2) {
  switch ((num_bits(n) + 3 + 63) / 64) {
#define COLLIERY_CASE(K) \
  case K:                \
    return mont::pow2_lazy<K>(n, e, r, r2);
    COLLIERY_CASE(1)
    COLLIERY_CASE(2)
    COLLIERY_CASE(3)
    COLLIERY_CASE(4)
    COLLIERY_CASE(5)
    COLLIERY_CASE(6)
    COLLIERY_CASE(7)
    COLLIERY_CASE(8)
    COLLIERY_CASE(9)
    COLLIERY_CASE(10)
    COLLIERY_CASE(11)
    COLLIERY_CASE(12)
    COLLIERY_CASE(13)
    COLLIERY_CASE(14)
    COLLIERY_CASE(15)
    COLLIERY_CASE(16)
#undef COLLIERY_CASE
    default:
      return mont::pow2<0>(n, e, r, r2);
  }
}

int trailing_zero_bits(const Num& a) {
  for (int i = 0; i < a.n; i++)
    if (a.v[i]) return 64 * i + __builtin_ctzll(a.v[i]);
  return 0;
}

void sub_small(Num& a, uint64_t x) {
  for (int i = 0; i < a.n && x; i++) {
    const limb_t v = a.v[i];
    a.v[i] = v - x;
    x = v < x ? 1 : 0;
  }
  num_norm(a);
}

void shl(Num& a, int bits) {  // caller guarantees room
  const int limbs = bits >> 6, s = bits & 63;
  if (a.n == 0) return;
  int n = a.n + limbs + 1;
  if (n > kMaxLimbs) n = kMaxLimbs;
  for (int i = n - 1; i >= 0; i--) {
    const int src = i - limbs;
    limb_t x = 0;
    if (src >= 0 && src < a.n) x = a.v[src] << s;
    if (s && src - 1 >= 0 && src - 1 < a.n) x |= a.v[src - 1] >> (64 - s);
    a.v[i] = x;
  }
  a.n = n;
  num_norm(a);
}

// The Fermat remainder 2^(n-1) mod n, for any n >= 1. Even n = 2^k * m (only a chain's first
// member can be even): 2^(n-1) = 2^k * 2^(n-1-k) and n-1 >= k, so r = 2^k * (2^(n-1-k) mod m).
void fermat_remainder(const Num& n, Num& r) {
  if (n.n == 0 || num_is_one(n)) {
    r.n = 0;
    return;
  }
  Num e = n;
  num_sub1(e);
  if (num_is_odd(n)) {
    pow2_mod(n, e, &r, nullptr);
    return;
  }
  const int k = trailing_zero_bits(n);
  Num m = n;
  num_shr(m, k);
  if (num_is_one(m)) {
    r.n = 0;
    return;
  }
  sub_small(e, (uint64_t)k);
  pow2_mod(m, e, &r, nullptr);
  shl(r, k);
}

// nLength = (nLength & 0xff000000) | floor(((n - r) << 24) / n); a quotient >= 2^24 (r == 0)
// is upstream's "fractional assert": nLength is left as it was.
void set_fraction(const Num& n, const Num& r, uint32_t* len) {
  if (r.n == 0) return;
  const int k = n.n;
  limb_t d[kMaxLimbs + 1];
  limb_t borrow = 0;
  for (int i = 0; i < k; i++) {  // d = n - r (r < n)
    const limb_t ri = i < r.n ? r.v[i] : 0;
    const dlimb_t s = (dlimb_t)n.v[i] - ri - borrow;
    d[i] = (limb_t)s;
    borrow = (limb_t)(s >> 64) & 1;
  }
  d[k] = 0;
  uint32_t q = 0;
  for (int step = 0; step < 24; step++) {  // long division, one quotient bit per step; d < n
    limb_t top = 0;
    for (int i = 0; i <= k; i++) {
      const limb_t v = d[i];
      d[i] = (v << 1) | top;
      top = v >> 63;
    }
    bool ge = d[k] != 0;
    if (!ge) {
      ge = true;
      for (int i = k - 1; i >= 0; i--)
        if (d[i] != n.v[i]) {
          ge = d[i] > n.v[i];
          break;
        }
    }
    q <<= 1;
    if (ge) {
      borrow = 0;
      for (int i = 0; i <= k; i++) {
        const limb_t ni = i < k ? n.v[i] : 0;
        const dlimb_t s = (dlimb_t)d[i] - ni - borrow;
        d[i] = (limb_t)s;
        borrow = (limb_t)(s >> 64) & 1;
      }
      q |= 1;
    }
  }
  *len = (*len & kLengthMask) | q;
}

// FermatProbablePrimalityTest: pass iff 2^(n-1) mod n == 1, else set the fraction.
bool fermat_test(const Num& n, uint32_t* len) {
  Num r;
  fermat_remainder(n, r);
  if (num_is_one(r)) return true;
  set_fraction(n, r, len);
  return false;
}

bool is_n_minus_1(const Num& r, const Num& n) {
  Num t = r;
  if (!num_add1(t)) return false;
  return num_cmp(t, n) == 0;
}

// EulerLagrangeLifchitzPrimalityTest: r = 2^((n-1)/2) mod n, condition by n mod 8; on
// failure the fraction comes from the Fermat remainder r^2 mod n.
bool ell_test(const Num& n, bool sophie_germain, uint32_t* len) {
  const unsigned mod8 = (unsigned)(n.v[0] & 7);
  if (sophie_germain ? (mod8 != 7 && mod8 != 3) : (mod8 != 1 && mod8 != 5)) return false;
  Num e = n;
  num_shr(e, 1);
  Num r, r2;
  pow2_mod(n, e, &r, &r2);
  const bool pass = (mod8 == 7 || mod8 == 1) ? num_is_one(r) : is_n_minus_1(r, n);
  if (pass) return true;
  set_fraction(n, r2, len);
  return false;
}

// ProbableCunninghamChainTest: the first member by Fermat, then 2n+1 (1CC) / 2n-1 (2CC).
Status cunningham_chain(const Num& start, bool sophie_germain, bool fermat, uint32_t* len) {
  *len = 0;
  Num n = start;
  if (!fermat_test(n, len)) return kOk;
  for (;;) {
    *len += kOneLength;
    if (!num_twice_pm1(n, sophie_germain)) return kCapacity;
    if (!(fermat ? fermat_test(n, len) : ell_test(n, sophie_germain, len))) return kOk;
  }
}

// Chain choice of CheckPrimeProofOfWork: 1CC, then 2CC if longer, then TWN if longer.
void choose(const ChainWords& w, int* type, uint32_t* length) {
  *type = kChain1CC;
  *length = w.c1;
  if (w.c2 > *length) {
    *type = kChain2CC;
    *length = w.c2;
  }
  if (w.tw > *length) {
    *type = kChainTWN;
    *length = w.tw;
  }
}

bool meets(const ChainWords& w, uint32_t nbits) { return w.c1 >= nbits || w.c2 >= nbits || w.tw >= nbits; }

bool target_valid(uint32_t nbits, uint32_t min_length) {
  const uint32_t len = nbits >> 24;
  return len >= min_length && len <= 99;
}

size_t magnitude_limbs(const Multiplier& m) {
  size_t c = m.count;
  while (c > 0 && m.limbs[c - 1] == 0) c--;
  return c;
}

// Steps 2-3 of CheckPrimeProofOfWork: header hash limit and origin O = H*M bounds.
PowError origin_of(const uint8_t hash[32], const Multiplier& m, Num* origin) {
  Num h;
  for (int i = 0; i < 4; i++) {
    limb_t x = 0;
    for (int b = 7; b >= 0; b--) x = (x << 8) | hash[8 * i + b];
    h.v[i] = x;
  }
  h.n = 4;
  num_norm(h);
  if (num_bits(h) < 256) return kPowHashUnderLimit;  // H < 2^255
  const size_t count = magnitude_limbs(m);
  if (m.negative || count == 0) return kPowOriginTooSmall;  // O <= 0 < 2^255
  // H >= 2^255, so bits(M) >= 1746 gives O >= 2^2000 without multiplying.
  const int mbits = count > 28 ? 1746 : 64 * (int)(count - 1) + (64 - __builtin_clzll(m.limbs[count - 1]));
  if (mbits >= 1746) return kPowOriginTooBig;
  Num mm;
  num_from_limbs(mm, m.limbs, count);
  num_mul(*origin, h, mm);
  if (num_bits(*origin) < 256) return kPowOriginTooSmall;
  if (num_bits(*origin) > 2000) return kPowOriginTooBig;
  return kPowOk;
}

// The normalization rule: M even and O % 4 == 0 and some chain of O/2 is longer than `length`.
// `words` are O's own ELL words. O/2's chains start one member earlier (O/2 - 1, then O - 1, ...
// and O/2 + 1, then O + 1, ...) and the members from O -/+ 1 on are ELL-tested in both walks, so
// c(O/2) <= c(O) + 1.0 (equal when O/2 -/+ 1 and O -/+ 1 pass; below 2.0 otherwise; below 1.0
// when O/2 -/+ 1 fails), and tw(O/2) < 2 min(l1, l2) + 2 for its integer lengths l1, l2.
// A chain of O/2 that these bounds keep at or below `length` is not walked: the verdict is the
// one of walking every chain, usually for one exponentiation instead of two.
Status not_normalized(const Multiplier& m, const Num& origin, const ChainWords& words,
                      uint32_t length, bool* out) {
  *out = false;
  if ((m.limbs[0] & 1) || (origin.v[0] & 3)) return kOk;
  Num half = origin;
  num_shr(half, 1);
  const uint64_t bound1 = (uint64_t)words.c1 + kOneLength, bound2 = (uint64_t)words.c2 + kOneLength;
  const uint64_t shorter = (bound1 < bound2 ? bound1 : bound2) >> 24;
  if (((2 * shorter + 2) << 24) > length) {  // the bi-twin chain could be longer: walk both
    ChainWords w;
    if (prime_chain(half, false, &w) != kOk) return kCapacity;
    *out = w.c1 > length || w.c2 > length || w.tw > length;
    return kOk;
  }
  if (bound1 > length) {
    Num n = half;
    num_sub1(n);
    uint32_t c1;
    if (cunningham_chain(n, true, false, &c1) != kOk) return kCapacity;
    if (c1 > length) *out = true;
  }
  if (bound2 > length && !*out) {
    Num n = half;
    if (!num_add1(n)) return kCapacity;
    uint32_t c2;
    if (cunningham_chain(n, false, false, &c2) != kOk) return kCapacity;
    if (c2 > length) *out = true;
  }
  return kOk;
}

}  // namespace

bool fermat_probable_prime(const Num& n) {
  Num r;
  fermat_remainder(n, r);
  return num_is_one(r);
}

Status prime_chain(const Num& origin, bool fermat, ChainWords* out) {
  out->c1 = out->c2 = out->tw = 0;
  if (origin.n == 0 || num_is_one(origin)) return kOk;  // no n = O - 1 >= 1 to test
  Num n1 = origin, n2 = origin;
  num_sub1(n1);
  if (!num_add1(n2)) return kCapacity;
  if (cunningham_chain(n1, true, fermat, &out->c1) != kOk) return kCapacity;
  if (cunningham_chain(n2, false, fermat, &out->c2) != kOk) return kCapacity;
  const uint32_t l1 = out->c1 >> 24, l2 = out->c2 >> 24;
  out->tw = l1 > l2 ? out->c2 + ((l2 + 1) << 24) : out->c1 + (l1 << 24);
  return kOk;
}

Status check_pow(const uint8_t hash[32], const Multiplier& m, uint32_t nbits, uint32_t min_length,
                 PowVerdict* out) {
  out->error = kPowOk;
  out->type = kChainNone;
  out->length = 0;
  if (!target_valid(nbits, min_length)) {
    out->error = kPowInvalidTarget;
    return kOk;
  }
  Num origin;
  const PowError range = origin_of(hash, m, &origin);
  if (range != kPowOk) {
    out->error = range;
    return kOk;
  }
  ChainWords ell, fermat;
  if (prime_chain(origin, false, &ell) != kOk) return kCapacity;
  choose(ell, &out->type, &out->length);
  if (!meets(ell, nbits)) {
    out->error = kPowChainTooShort;
    return kOk;
  }
  if (prime_chain(origin, true, &fermat) != kOk) return kCapacity;
  if (fermat.c1 != ell.c1 || fermat.c2 != ell.c2 || fermat.tw != ell.tw) {
    out->error = kPowFermatMismatch;
    return kOk;
  }
  bool bad = false;
  if (not_normalized(m, origin, ell, out->length, &bad) != kOk) return kCapacity;
  if (bad) out->error = kPowNotNormalized;
  return kOk;
}

size_t multiplier_vch(const Multiplier& m, uint8_t* out) {
  const size_t count = magnitude_limbs(m);
  size_t len = 0;
  for (size_t i = 0; i < count; i++)
    for (int b = 0; b < 8; b++) out[len++] = (uint8_t)(m.limbs[i] >> (8 * b));
  while (len > 0 && out[len - 1] == 0) len--;
  if (len == 0) return 0;
  if (out[len - 1] & 0x80) out[len++] = 0;
  if (m.negative) out[len - 1] |= 0x80;
  return len;
}

Status check_share(const uint8_t header[80], const Multiplier& m, uint32_t share_nbits,
                   uint32_t block_nbits, uint32_t min_length, ShareVerdict* out) {
  sha256d_headers(out->header_hash, header, 1);
  {
    std::vector<uint8_t> vch(magnitude_limbs(m) * 8 + 1);
    const size_t len = multiplier_vch(m, vch.data());
    uint8_t size[5];
    size_t size_len = 1;
    if (len < 253) {
      size[0] = (uint8_t)len;
    } else if (len <= 0xffff) {
      size[0] = 0xfd, size[1] = (uint8_t)len, size[2] = (uint8_t)(len >> 8), size_len = 3;
    } else {
      size[0] = 0xfe, size_len = 5;
      for (int i = 0; i < 4; i++) size[1 + i] = (uint8_t)(len >> (8 * i));
    }
    Sha256Stream s;
    s.update(header, 80);
    s.update(size, size_len);
    s.update(vch.data(), len);
    uint8_t first[32];
    s.final(first);
    sha256(out->block_hash, first, 32);
  }
  out->have_words = false;
  out->words = ChainWords{0, 0, 0};
  out->type = kChainNone;
  out->length = 0;
  const bool share_target_ok = target_valid(share_nbits, 1);
  const bool block_target_ok = target_valid(block_nbits, min_length);
  out->share_error = share_target_ok ? kPowOk : kPowInvalidTarget;
  out->block_error = block_target_ok ? kPowOk : kPowInvalidTarget;
  Num origin;
  const PowError range = origin_of(out->header_hash, m, &origin);
  if (range != kPowOk) {
    if (share_target_ok) out->share_error = range;
    if (block_target_ok) out->block_error = range;
    return kOk;
  }
  if (prime_chain(origin, false, &out->words) != kOk) return kCapacity;
  out->have_words = true;
  choose(out->words, &out->type, &out->length);
  if (share_target_ok && !meets(out->words, share_nbits)) out->share_error = kPowChainTooShort;
  if (block_target_ok && !meets(out->words, block_nbits)) out->block_error = kPowChainTooShort;
  if (out->block_error == kPowOk) {
    ChainWords fermat;
    if (prime_chain(origin, true, &fermat) != kOk) return kCapacity;
    if (fermat.c1 != out->words.c1 || fermat.c2 != out->words.c2 || fermat.tw != out->words.tw)
      out->block_error = kPowFermatMismatch;
  }
  if (out->share_error == kPowOk || out->block_error == kPowOk) {
    bool bad = false;
    if (not_normalized(m, origin, out->words, out->length, &bad) != kOk) return kCapacity;
    if (bad) {
      if (out->share_error == kPowOk) out->share_error = kPowNotNormalized;
      if (out->block_error == kPowOk) out->block_error = kPowNotNormalized;
    }
  }
  return kOk;
}

}  // namespace colliery
