// Primecoin proof of work in the native core: Fermat and Euler-Lagrange-Lifchitz tests,
// Cunningham / bi-twin chain length words, CheckPrimeProofOfWork and the pool's share check
// (primecoin/primecoin src/prime.cpp; docs/protocols/primecoin.md sections 1, 3-6, 8).
#ifndef COLLIERY_PRIME_H
#define COLLIERY_PRIME_H

#include <cstddef>
#include <cstdint>

#include "bignum.h"

namespace colliery {

struct ChainWords {
  uint32_t c1, c2, tw;  // length << 24 | 24-bit fraction
};

enum PrimeChainType { kChainNone = 0, kChain1CC = 1, kChain2CC = 2, kChainTWN = 3 };

enum PowError {
  kPowOk = 0,
  kPowInvalidTarget,
  kPowHashUnderLimit,
  kPowOriginTooSmall,
  kPowOriginTooBig,
  kPowChainTooShort,
  kPowNotNormalized,
  kPowFermatMismatch,
};

struct PowVerdict {
  PowError error;
  int type;         // PrimeChainType
  uint32_t length;  // chain word of the chosen type
};

// Status of a computation: kOk, or kCapacity when a chain member outgrows kMaxLimbs
// (needs ~300 consecutive primes past 2^2000; unreachable, reported rather than assumed).
enum Status { kOk = 0, kCapacity = 1 };

// 2^(n-1) mod n == 1 (n >= 1).
bool fermat_probable_prime(const Num& n);

// ProbablePrimeChainTest's three words for an origin >= 2 (fermat: plain Fermat on every member).
Status prime_chain(const Num& origin, bool fermat, ChainWords* out);

// A signed multiplier: sign (true = negative) and magnitude limbs (any count).
struct Multiplier {
  bool negative;
  const limb_t* limbs;
  size_t count;
};

// CheckPrimeProofOfWork(hash, nBits, M) with nTargetMinLength = min_length. hash is the
// 32-byte header hash in internal byte order (a little-endian integer).
Status check_pow(const uint8_t hash[32], const Multiplier& m, uint32_t nbits, uint32_t min_length,
                 PowVerdict* out);

// One pool share in one call (see native/README.md): header hash, block hash over the header
// and the canonical multiplier encoding, chain words, and two verdicts: the share (range
// checks, best word >= share_nbits, normalization) and the block (full CheckPrimeProofOfWork
// against block_nbits). Chain words are computed once and shared by both verdicts.
struct ShareVerdict {
  uint8_t header_hash[32];
  uint8_t block_hash[32];
  bool have_words;
  ChainWords words;
  int type;
  uint32_t length;
  PowError share_error;
  PowError block_error;
};
Status check_share(const uint8_t header[80], const Multiplier& m, uint32_t share_nbits,
                   uint32_t block_nbits, uint32_t min_length, ShareVerdict* out);

// CBigNum::getvch() of the multiplier into out (capacity >= count*8 + 1); returns its length.
size_t multiplier_vch(const Multiplier& m, uint8_t* out);

}  // namespace colliery

#endif
