#pragma once
#include <cstddef>
#include <cstdint>

namespace colliery {

/** Fewest sockets per thread worth starting a thread for. */
constexpr size_t kFanoutMinPerThread = 512;

/**
 * send(2)s `data` to every fd (non-blocking, no SIGPIPE), `threads` threads sharing the list.
 * out[i]: bytes taken by the kernel for fds[i] (may be short: EAGAIN), or -errno.
 */
void send_to_many(const int32_t* fds, int32_t* out, size_t count, const uint8_t* data, size_t len,
                  unsigned threads);

}  // namespace colliery
