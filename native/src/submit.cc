// Stratum submit hashing: txid = SHA256d(coinbase1 | en1 | en2 | coinbase2), then the merkle
// root folds the branch: root = SHA256d(root | branch[i]) for i = 0..n-1 (the coinbase is
// always the leftmost leaf, so every step hashes the running root on the left).
#include "submit.h"

#include <cstring>

#include "sha256.h"

namespace colliery {

namespace {
inline void store_le32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
}  // namespace

void hash_submit(const SubmitParts& p, uint8_t header[80], uint8_t hash[32]) {
  Sha256Stream s;
  s.update(p.coinbase1.data, p.coinbase1.len);
  s.update(p.extranonce1.data, p.extranonce1.len);
  s.update(p.extranonce2.data, p.extranonce2.len);
  s.update(p.coinbase2.data, p.coinbase2.len);
  uint8_t first[32], root[32];
  s.final(first);
  sha256(root, first, 32);
  for (size_t i = 0; i + 32 <= p.branches.len; i += 32) sha256d_pair(root, root, p.branches.data + i);
  store_le32(header, p.version);
  std::memcpy(header + 4, p.prev_hash, 32);
  std::memcpy(header + 36, root, 32);
  store_le32(header + 68, p.ntime);
  store_le32(header + 72, p.nbits);
  store_le32(header + 76, p.nonce);
  sha256d_headers(hash, header, 1);
}

}  // namespace colliery
