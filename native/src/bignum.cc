// Fixed-capacity unsigned big integer helpers (see bignum.h).
#include "bignum.h"

namespace colliery {

int num_bits(const Num& a) {
  if (a.n == 0) return 0;
  return 64 * (a.n - 1) + (64 - __builtin_clzll(a.v[a.n - 1]));
}

int num_cmp(const Num& a, const Num& b) {
  if (a.n != b.n) return a.n < b.n ? -1 : 1;
  for (int i = a.n - 1; i >= 0; i--)
    if (a.v[i] != b.v[i]) return a.v[i] < b.v[i] ? -1 : 1;
  return 0;
}

bool num_from_limbs(Num& a, const limb_t* limbs, size_t count) {
  while (count > 0 && limbs[count - 1] == 0) count--;
  if (count > (size_t)kMaxLimbs) return false;
  for (size_t i = 0; i < count; i++) a.v[i] = limbs[i];
  a.n = (int)count;
  return true;
}

bool num_add1(Num& a) {
  for (int i = 0; i < a.n; i++)
    if (++a.v[i] != 0) return true;
  if (a.n == kMaxLimbs) return false;
  a.v[a.n++] = 1;
  return true;
}

void num_sub1(Num& a) {
  for (int i = 0; i < a.n; i++)
    if (a.v[i]-- != 0) break;
  num_norm(a);
}

bool num_twice_pm1(Num& a, bool plus) {
  limb_t carry = 0;
  for (int i = 0; i < a.n; i++) {
    const limb_t x = a.v[i];
    a.v[i] = (x << 1) | carry;
    carry = x >> 63;
  }
  if (carry) {
    if (a.n == kMaxLimbs) return false;
    a.v[a.n++] = carry;
  }
  if (plus) return num_add1(a);  // 2a is even: +1 never carries
  num_sub1(a);
  return true;
}

void num_shr(Num& a, int bits) {
  const int limbs = bits >> 6, s = bits & 63;
  if (limbs >= a.n) {
    a.n = 0;
    return;
  }
  for (int i = 0; i < a.n - limbs; i++) {
    limb_t x = a.v[i + limbs] >> s;
    if (s && i + limbs + 1 < a.n) x |= a.v[i + limbs + 1] << (64 - s);
    a.v[i] = x;
  }
  a.n -= limbs;
  num_norm(a);
}

bool num_mul(Num& r, const Num& a, const Num& b) {
  if (a.n == 0 || b.n == 0) {
    r.n = 0;
    return true;
  }
  if (a.n + b.n - 1 > kMaxLimbs) return false;
  limb_t t[2 * kMaxLimbs + 1] = {0};
  for (int i = 0; i < a.n; i++) {
    limb_t carry = 0;
    for (int j = 0; j < b.n; j++) {
      const dlimb_t p = (dlimb_t)a.v[i] * b.v[j] + t[i + j] + carry;
      t[i + j] = (limb_t)p;
      carry = (limb_t)(p >> 64);
    }
    t[i + b.n] = carry;
  }
  int n = a.n + b.n;
  while (n > 0 && t[n - 1] == 0) n--;
  if (n > kMaxLimbs) return false;
  for (int i = 0; i < n; i++) r.v[i] = t[i];
  r.n = n;
  return true;
}

}  // namespace colliery
