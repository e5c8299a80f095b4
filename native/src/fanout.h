#pragma once
#include <cstddef>
#include <cstdint>

namespace colliery {

/** Fewest sockets per thread worth starting a thread for: the same bytes to each (a notify). */
constexpr size_t kFanoutMinPerThread = 512;
/**
 * The same for each socket's own bytes (a tick's verdicts): fewer sockets, but the send(2)s are
 * most of a busy node's socket work, and a thread start (~30 µs) is a few of them.
 */
constexpr size_t kEachMinPerThread = 128;

/**
 * send(2)s `data` to every fd (non-blocking, no SIGPIPE), `threads` threads sharing the list.
 * out[i]: bytes taken by the kernel for fds[i] (may be short: EAGAIN), or -errno.
 */
void send_to_many(const int32_t* fds, int32_t* out, size_t count, const uint8_t* data, size_t len,
                  unsigned threads);

/**
 * send(2)s to each fds[i] its own slice data[ends[i-1], ends[i]) (ends[-1] = 0; ends must not
 * decrease), `threads` threads sharing the list. out[i] as for send_to_many.
 */
void send_each(const int32_t* fds, int32_t* out, size_t count, const uint8_t* data,
               const uint32_t* ends, unsigned threads);

/**
 * Which way the two calls above send: "io_uring" (a batch per io_uring_enter) or "send" (one
 * send(2) each). `want` ("io_uring" | "send"; null: no change) switches; asking for io_uring
 * where the kernel refuses it (old, disabled, seccomp) leaves "send". The environment's
 * COLLIERY_SEND_BACKEND=send chooses "send" from the start.
 */
const char* send_backend(const char* want);

}  // namespace colliery
