// Fixed-capacity unsigned big integers with 64-bit limbs (little-endian limb order) for the
// prime core: origins up to 2^2000 and chain members a few dozen bits longer. No allocation.
#ifndef COLLIERY_BIGNUM_H
#define COLLIERY_BIGNUM_H

#include <cstddef>
#include <cstdint>

namespace colliery {

typedef uint64_t limb_t;
typedef unsigned __int128 dlimb_t;

// 36 limbs = 2304 bits: an origin below 2^2000 plus 300 doublings of chain growth.
constexpr int kMaxLimbs = 36;

struct Num {
  int n;  // significant limbs; v[n-1] != 0 unless n == 0 (zero)
  limb_t v[kMaxLimbs];
};

inline void num_norm(Num& a) {
  while (a.n > 0 && a.v[a.n - 1] == 0) a.n--;
}
inline void num_set_u64(Num& a, uint64_t x) {
  a.n = x ? 1 : 0;
  a.v[0] = x;
}
inline bool num_is_zero(const Num& a) { return a.n == 0; }
inline bool num_is_one(const Num& a) { return a.n == 1 && a.v[0] == 1; }
inline bool num_is_odd(const Num& a) { return a.n > 0 && (a.v[0] & 1); }
int num_bits(const Num& a);
int num_cmp(const Num& a, const Num& b);
// Load count limbs (count may exceed kMaxLimbs only if the excess limbs are zero); false if too big.
bool num_from_limbs(Num& a, const limb_t* limbs, size_t count);
// a += 1 / a -= 1 (a must be non-zero) / a = 2a + 1 / a = 2a - 1; false on capacity overflow.
bool num_add1(Num& a);
void num_sub1(Num& a);
bool num_twice_pm1(Num& a, bool plus);
void num_shr(Num& a, int bits);
// r = a * b; false if the product does not fit.
bool num_mul(Num& r, const Num& a, const Num& b);
inline int num_bit(const Num& a, int i) { return (int)((a.v[i >> 6] >> (i & 63)) & 1); }

}  // namespace colliery

#endif
