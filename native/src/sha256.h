// SHA-256 and SHA256d for the native core: portable C++ and SHA-NI (x86 SHA extensions),
// chosen once at run time by CPUID. No Node headers here; the N-API glue is addon.cc.
#ifndef COLLIERY_SHA256_H
#define COLLIERY_SHA256_H

#include <cstddef>
#include <cstdint>

namespace colliery {

enum class ShaFeature { Portable = 0, ShaNi = 1 };

// What the CPU supports and what is in use (the latter can be forced to Portable for tests).
bool sha_ni_supported();
ShaFeature sha_feature();
// Select an implementation; returns false (and changes nothing) if the CPU lacks it.
bool sha_select(ShaFeature f);
const char* sha_feature_name(ShaFeature f);

// Compress `blocks` consecutive 64-byte blocks into state[8].
void sha256_blocks(uint32_t state[8], const uint8_t* data, size_t blocks);

// One-shot SHA-256 and double SHA-256 of any length.
void sha256(uint8_t out[32], const uint8_t* data, size_t len);
void sha256d(uint8_t out[32], const uint8_t* data, size_t len);

// Streaming SHA-256, for messages that arrive in parts (a coinbase built from four pieces).
struct Sha256Stream {
  uint32_t state[8];
  uint8_t buf[64];
  size_t buffered;
  uint64_t total;
  Sha256Stream();
  void update(const uint8_t* data, size_t len);
  void final(uint8_t out[32]);
};

// SHA256d of n consecutive 80-byte headers: out receives n*32 bytes (internal byte order).
void sha256d_headers(uint8_t* out, const uint8_t* headers, size_t n);

// SHA256d of the 64-byte concatenation left||right (a merkle tree node).
void sha256d_pair(uint8_t out[32], const uint8_t left[32], const uint8_t right[32]);

}  // namespace colliery

#endif
