// Stratum submit hashing (Bitcoin family): coinbase parts -> txid -> merkle root -> header
// -> SHA256d, in one call and without building the coinbase in a separate buffer.
#ifndef COLLIERY_SUBMIT_H
#define COLLIERY_SUBMIT_H

#include <cstddef>
#include <cstdint>

namespace colliery {

struct Bytes {
  const uint8_t* data;
  size_t len;
};

struct SubmitParts {
  Bytes coinbase1, extranonce1, extranonce2, coinbase2;
  Bytes branches;  // n*32 bytes, internal byte order
  uint32_t version;
  const uint8_t* prev_hash;  // 32 bytes, internal byte order
  uint32_t ntime, nbits, nonce;
};

// header = version LE | prevHash | merkle root | ntime LE | nbits LE | nonce LE; hash = SHA256d(header).
// Requires branches.len % 32 == 0 (checked by the caller).
void hash_submit(const SubmitParts& p, uint8_t header[80], uint8_t hash[32]);

}  // namespace colliery

#endif
