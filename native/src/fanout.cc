// Bytes written to many non-blocking sockets with send(2): one buffer to every connection of a
// node (a new job's notify), or each connection's own bytes (the verdicts of a tick). Node's
// per-socket write path (stream state, write request, callback) costs more than the system
// call itself; this is the bare loop, split over a few threads. Each result is the number of
// bytes the kernel took (the caller writes the rest through the socket as usual) or -errno.
#include "fanout.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <thread>
#include <vector>

namespace colliery {

namespace {

int32_t send_all(int fd, const uint8_t* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::send(fd, data + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // the rest goes through Node
    if (n < 0) return done > 0 ? static_cast<int32_t>(done) : -errno;
    break;
  }
  return static_cast<int32_t>(done);
}

/** What fd i gets: the whole buffer (ends == nullptr) or its own slice. */
struct Slices {
  const uint8_t* data;
  size_t len;
  const uint32_t* ends;
};

void send_range(const int32_t* fds, int32_t* out, size_t from, size_t to, Slices s) {
  for (size_t i = from; i < to; i++) {
    if (fds[i] < 0) {
      out[i] = -EBADF;
      continue;
    }
    const size_t begin = s.ends == nullptr || i == 0 ? 0 : s.ends[i - 1];
    const size_t end = s.ends == nullptr ? s.len : s.ends[i];
    out[i] = send_all(fds[i], s.data + begin, end - begin);
  }
}

void send_split(const int32_t* fds, int32_t* out, size_t count, Slices s, unsigned threads,
                size_t min_per_thread) {
  if (threads <= 1 || count < 2 * min_per_thread) {
    send_range(fds, out, 0, count, s);
    return;
  }
  const size_t max_threads = count / min_per_thread;
  const size_t n = threads < max_threads ? threads : max_threads;
  std::vector<std::thread> helpers;
  helpers.reserve(n - 1);
  const size_t per = (count + n - 1) / n;
  for (size_t t = 1; t < n; t++) {
    const size_t from = t * per;
    const size_t to = from + per < count ? from + per : count;
    helpers.emplace_back(send_range, fds, out, from, to, s);
  }
  send_range(fds, out, 0, per < count ? per : count, s);
  for (auto& h : helpers) h.join();
}

}  // namespace

void send_to_many(const int32_t* fds, int32_t* out, size_t count, const uint8_t* data, size_t len,
                  unsigned threads) {
  send_split(fds, out, count, Slices{data, len, nullptr}, threads, kFanoutMinPerThread);
}

void send_each(const int32_t* fds, int32_t* out, size_t count, const uint8_t* data,
               const uint32_t* ends, unsigned threads) {
  send_split(fds, out, count, Slices{data, 0, ends}, threads, kEachMinPerThread);
}

}  // namespace colliery
