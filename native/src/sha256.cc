// SHA-256 (FIPS 180-4) for the native core. Two compression functions: a portable one and
// one on the x86 SHA extensions (sha256rnds2/msg1/msg2), compiled with a target attribute
// so the binary still runs on CPUs without them; CPUID picks one at load time.
#include "sha256.h"

#include <atomic>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define COLLIERY_X86 1
#endif

namespace colliery {

namespace {

const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void blocks_portable(uint32_t state[8], const uint8_t* data, size_t blocks) {
  uint32_t w[64];
  while (blocks--) {
    for (int i = 0; i < 16; i++) w[i] = load_be32(data + 4 * i);
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
      uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      uint32_t ch = (e & f) ^ (~e & g);
      uint32_t t1 = h + S1 + ch + K[i] + w[i];
      uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      uint32_t t2 = S0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
    data += 64;
  }
}

#ifdef COLLIERY_X86
// Four rounds: add the round constants to message words m, then two sha256rnds2 steps over
// the ABEF/CDGH halves of the state (the layout the instruction works on).
#define COLLIERY_QROUND(m, k)                                      \
  do {                                                             \
    __m128i msg_ = _mm_add_epi32((m), _mm_loadu_si128((const __m128i*)(k))); \
    s1 = _mm_sha256rnds2_epu32(s1, s0, msg_);                      \
    msg_ = _mm_shuffle_epi32(msg_, 0x0E);                          \
    s0 = _mm_sha256rnds2_epu32(s0, s1, msg_);                      \
  } while (0)

// Next four schedule words from the previous sixteen (w0 oldest .. w3 newest).
#define COLLIERY_SCHED(w0, w1, w2, w3) \
  _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), _mm_alignr_epi8((w3), (w2), 4)), (w3))

__attribute__((target("sha,sse4.1,ssse3"))) void blocks_shani(uint32_t state[8], const uint8_t* data,
                                                              size_t blocks) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i t = _mm_loadu_si128((const __m128i*)&state[0]);   // A B C D (lane 0 = A)
  __m128i s1 = _mm_loadu_si128((const __m128i*)&state[4]);  // E F G H
  t = _mm_shuffle_epi32(t, 0xB1);                            // B A D C
  s1 = _mm_shuffle_epi32(s1, 0x1B);                          // H G F E
  __m128i s0 = _mm_alignr_epi8(t, s1, 8);                    // ABEF
  s1 = _mm_blend_epi16(s1, t, 0xF0);                         // CDGH
  while (blocks--) {
    const __m128i save0 = s0, save1 = s1;
    __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(data + 0)), bswap);
    __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(data + 16)), bswap);
    __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(data + 32)), bswap);
    __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(data + 48)), bswap);
    COLLIERY_QROUND(w0, K + 0);
    COLLIERY_QROUND(w1, K + 4);
    COLLIERY_QROUND(w2, K + 8);
    COLLIERY_QROUND(w3, K + 12);
    for (int g = 4; g < 16; g += 4) {
      w0 = COLLIERY_SCHED(w0, w1, w2, w3);
      COLLIERY_QROUND(w0, K + 4 * g);
      w1 = COLLIERY_SCHED(w1, w2, w3, w0);
      COLLIERY_QROUND(w1, K + 4 * g + 4);
      w2 = COLLIERY_SCHED(w2, w3, w0, w1);
      COLLIERY_QROUND(w2, K + 4 * g + 8);
      w3 = COLLIERY_SCHED(w3, w0, w1, w2);
      COLLIERY_QROUND(w3, K + 4 * g + 12);
    }
    s0 = _mm_add_epi32(s0, save0);
    s1 = _mm_add_epi32(s1, save1);
    data += 64;
  }
  t = _mm_shuffle_epi32(s0, 0x1B);        // F E B A
  s1 = _mm_shuffle_epi32(s1, 0xB1);       // D C H G
  s0 = _mm_blend_epi16(t, s1, 0xF0);      // D C B A -> A B C D in memory
  s1 = _mm_alignr_epi8(s1, t, 8);         // H G F E -> E F G H in memory
  _mm_storeu_si128((__m128i*)&state[0], s0);
  _mm_storeu_si128((__m128i*)&state[4], s1);
}
#undef COLLIERY_QROUND
#undef COLLIERY_SCHED

// --- SHA256d of 80-byte headers, up to four at a time --------------------------------------
// Independent messages share one instruction stream, so one message's sha256rnds2 runs while
// the others wait for their results (the instruction's latency is several times its issue
// rate). Measured on the dev VM (Zen 3): 62 ns per header with two lanes, 52 with four.
// Per header: block 1 is the first 64 bytes; block 2 is bytes 64..79 then fixed padding
// (words 4..15 constant, length 640 bits); the second SHA-256 is one block whose words 0..7
// are the first digest, as state words, and words 8..15 fixed (length 256 bits).

// One state in the instruction's layout (ABEF, CDGH).
struct ShaLane {
  __m128i abef, cdgh;
};

// 64 rounds on L states from their message words w[l][0..3], with the feed-forward. Fully
// unrolled, so every index is a constant and the arrays live in registers (or spill slots).
template <int L>
__attribute__((target("sha,sse4.1,ssse3"), always_inline)) inline void compress_lanes(ShaLane* s,
                                                                                     __m128i (*w)[4]) {
  ShaLane saved[L];
  for (int l = 0; l < L; l++) saved[l] = s[l];
#pragma GCC unroll 16
  for (int g = 0; g < 16; g++) {  // four rounds each
    const int j = g & 3;
    if (g >= 4) {  // the next four schedule words from the previous sixteen
#pragma GCC unroll 4
      for (int l = 0; l < L; l++) {
        __m128i* v = w[l];
        v[j] = _mm_sha256msg2_epu32(
            _mm_add_epi32(_mm_sha256msg1_epu32(v[j], v[(j + 1) & 3]),
                          _mm_alignr_epi8(v[(j + 3) & 3], v[(j + 2) & 3], 4)),
            v[(j + 3) & 3]);
      }
    }
    const __m128i k = _mm_loadu_si128((const __m128i*)(K + 4 * g));
    __m128i m[L];
#pragma GCC unroll 4
    for (int l = 0; l < L; l++) {
      m[l] = _mm_add_epi32(w[l][j], k);
      s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, m[l]);
    }
#pragma GCC unroll 4
    for (int l = 0; l < L; l++) {
      m[l] = _mm_shuffle_epi32(m[l], 0x0E);
      s[l].abef = _mm_sha256rnds2_epu32(s[l].abef, s[l].cdgh, m[l]);
    }
  }
  for (int l = 0; l < L; l++) {
    s[l].abef = _mm_add_epi32(s[l].abef, saved[l].abef);
    s[l].cdgh = _mm_add_epi32(s[l].cdgh, saved[l].cdgh);
  }
}

// (ABEF, CDGH) -> (ABCD, EFGH) with lane 0 = A: the digest as big-endian words.
__attribute__((target("sha,sse4.1,ssse3"), always_inline)) inline void lane_words(const ShaLane& s,
                                                                                  __m128i* abcd,
                                                                                  __m128i* efgh) {
  const __m128i t = _mm_shuffle_epi32(s.abef, 0x1B);  // lanes A B E F
  const __m128i u = _mm_shuffle_epi32(s.cdgh, 0xB1);  // lanes G H C D
  *abcd = _mm_blend_epi16(t, u, 0xF0);
  *efgh = _mm_alignr_epi8(u, t, 8);
}

#define COLLIERY_LOAD_BE(p) _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(p)), bswap)
// SHA256d of L consecutive 80-byte headers.
template <int L>
__attribute__((target("sha,sse4.1,ssse3"), always_inline)) inline void headers_lanes(
    uint8_t* out, const uint8_t* headers) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  // IV in the (ABEF, CDGH) layout: lane 0 = F, E, B, A / lane 0 = H, G, D, C.
  const __m128i iv_abef = _mm_set_epi32((int)IV[0], (int)IV[1], (int)IV[4], (int)IV[5]);
  const __m128i iv_cdgh = _mm_set_epi32((int)IV[2], (int)IV[3], (int)IV[6], (int)IV[7]);
  const __m128i pad80 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);  // word 0 = 0x80000000
  const __m128i len640 = _mm_set_epi32(640, 0, 0, 0);
  const __m128i len256 = _mm_set_epi32(256, 0, 0, 0);
  ShaLane s[L];
  __m128i w[L][4];
  for (int l = 0; l < L; l++) {
    const uint8_t* h = headers + 80 * l;
    s[l] = ShaLane{iv_abef, iv_cdgh};
    for (int q = 0; q < 4; q++) w[l][q] = COLLIERY_LOAD_BE(h + 16 * q);
  }
  compress_lanes<L>(s, w);
  for (int l = 0; l < L; l++) {
    w[l][0] = COLLIERY_LOAD_BE(headers + 80 * l + 64);
    w[l][1] = pad80;
    w[l][2] = _mm_setzero_si128();
    w[l][3] = len640;
  }
  compress_lanes<L>(s, w);
  for (int l = 0; l < L; l++) {
    lane_words(s[l], &w[l][0], &w[l][1]);
    w[l][2] = pad80;
    w[l][3] = len256;
    s[l] = ShaLane{iv_abef, iv_cdgh};
  }
  compress_lanes<L>(s, w);
  for (int l = 0; l < L; l++) {
    __m128i a0, a1;
    lane_words(s[l], &a0, &a1);
    _mm_storeu_si128((__m128i*)(out + 32 * l), _mm_shuffle_epi8(a0, bswap));
    _mm_storeu_si128((__m128i*)(out + 32 * l + 16), _mm_shuffle_epi8(a1, bswap));
  }
}
#undef COLLIERY_LOAD_BE

__attribute__((target("sha,sse4.1,ssse3"))) void headers_shani(uint8_t* out, const uint8_t* headers,
                                                               size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) headers_lanes<4>(out + 32 * i, headers + 80 * i);
  switch (n - i) {  // the rest in one narrower pass
    case 3:
      return headers_lanes<3>(out + 32 * i, headers + 80 * i);
    case 2:
      return headers_lanes<2>(out + 32 * i, headers + 80 * i);
    case 1:
      return headers_lanes<1>(out + 32 * i, headers + 80 * i);
  }
}

bool detect_sha_ni() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ssse3 && sse41 && (b & (1u << 29));
}
#else
bool detect_sha_ni() { return false; }
#endif

using BlocksFn = void (*)(uint32_t*, const uint8_t*, size_t);

const bool g_sha_ni = detect_sha_ni();
// Written only by sha_select (a test and benchmark hook); read on every compression.
std::atomic<ShaFeature> g_feature{g_sha_ni ? ShaFeature::ShaNi : ShaFeature::Portable};
std::atomic<BlocksFn> g_blocks_fn{
#ifdef COLLIERY_X86
    g_sha_ni ? blocks_shani :
#endif
             blocks_portable};

inline void g_blocks(uint32_t* s, const uint8_t* d, size_t n) {
  g_blocks_fn.load(std::memory_order_relaxed)(s, d, n);
}

inline void digest_bytes(uint8_t out[32], const uint32_t s[8]) {
  for (int i = 0; i < 8; i++) store_be32(out + 4 * i, s[i]);
}

// Second pass of SHA256d: SHA-256 of a 32-byte digest, one padded block.
inline void hash_digest(uint8_t out[32], const uint8_t in[32]) {
  uint8_t block[64];
  std::memcpy(block, in, 32);
  std::memset(block + 32, 0, 32);
  block[32] = 0x80;
  block[62] = 0x01;  // 256 bits
  uint32_t s[8];
  std::memcpy(s, IV, sizeof s);
  g_blocks(s, block, 1);
  digest_bytes(out, s);
}

}  // namespace

bool sha_ni_supported() { return g_sha_ni; }
ShaFeature sha_feature() { return g_feature; }
const char* sha_feature_name(ShaFeature f) { return f == ShaFeature::ShaNi ? "sha-ni" : "portable"; }

bool sha_select(ShaFeature f) {
  if (f == ShaFeature::ShaNi) {
#ifdef COLLIERY_X86
    if (!g_sha_ni) return false;
    g_blocks_fn.store(blocks_shani);
#else
    return false;
#endif
  } else {
    g_blocks_fn.store(blocks_portable);
  }
  g_feature = f;
  return true;
}

void sha256_blocks(uint32_t state[8], const uint8_t* data, size_t blocks) { g_blocks(state, data, blocks); }

void sha256(uint8_t out[32], const uint8_t* data, size_t len) {
  uint32_t s[8];
  std::memcpy(s, IV, sizeof s);
  const size_t full = len / 64;
  if (full) g_blocks(s, data, full);
  uint8_t tail[128];
  const size_t rest = len - full * 64;
  std::memcpy(tail, data + full * 64, rest);
  tail[rest] = 0x80;
  const size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  std::memset(tail + rest + 1, 0, tail_len - rest - 1);
  const uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
  g_blocks(s, tail, tail_len / 64);
  digest_bytes(out, s);
}

Sha256Stream::Sha256Stream() : buffered(0), total(0) { std::memcpy(state, IV, sizeof state); }

void Sha256Stream::update(const uint8_t* data, size_t len) {
  total += len;
  if (buffered) {
    const size_t take = len < 64 - buffered ? len : 64 - buffered;
    std::memcpy(buf + buffered, data, take);
    buffered += take;
    data += take;
    len -= take;
    if (buffered < 64) return;
    g_blocks(state, buf, 1);
    buffered = 0;
  }
  const size_t full = len / 64;
  if (full) g_blocks(state, data, full);
  std::memcpy(buf, data + full * 64, len - full * 64);
  buffered = len - full * 64;
}

void Sha256Stream::final(uint8_t out[32]) {
  uint8_t tail[128];
  std::memcpy(tail, buf, buffered);
  tail[buffered] = 0x80;
  const size_t tail_len = buffered + 1 + 8 <= 64 ? 64 : 128;
  std::memset(tail + buffered + 1, 0, tail_len - buffered - 1);
  const uint64_t bits = total * 8;
  for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
  g_blocks(state, tail, tail_len / 64);
  digest_bytes(out, state);
}

void sha256d(uint8_t out[32], const uint8_t* data, size_t len) {
  uint8_t first[32];
  sha256(first, data, len);
  hash_digest(out, first);
}

void sha256d_headers(uint8_t* out, const uint8_t* headers, size_t n) {
#ifdef COLLIERY_X86
  if (g_blocks_fn.load(std::memory_order_relaxed) == blocks_shani) return headers_shani(out, headers, n);
#endif
  // The second block of an 80-byte message is always: bytes 64..79, 0x80, zeros, length 640.
  uint8_t block[64] = {0};
  block[16] = 0x80;
  block[62] = 0x02;
  block[63] = 0x80;
  for (size_t i = 0; i < n; i++) {
    const uint8_t* h = headers + 80 * i;
    uint32_t s[8];
    std::memcpy(s, IV, sizeof s);
    g_blocks(s, h, 1);
    std::memcpy(block, h + 64, 16);
    g_blocks(s, block, 1);
    uint8_t first[32];
    digest_bytes(first, s);
    hash_digest(out + 32 * i, first);
  }
}

void sha256d_pair(uint8_t out[32], const uint8_t left[32], const uint8_t right[32]) {
  uint8_t buf[128];
  std::memcpy(buf, left, 32);
  std::memcpy(buf + 32, right, 32);
  std::memset(buf + 64, 0, 64);
  buf[64] = 0x80;
  buf[126] = 0x02;  // 512 bits
  uint32_t s[8];
  std::memcpy(s, IV, sizeof s);
  g_blocks(s, buf, 2);
  uint8_t first[32];
  digest_bytes(first, s);
  hash_digest(out, first);
}

}  // namespace colliery
