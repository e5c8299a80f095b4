// Bytes written to many non-blocking sockets: one buffer to every connection of a node (a new
// job's notify), or each connection's own bytes (the verdicts of a tick). Node's per-socket
// write path (stream state, write request, callback) costs more than the system call itself;
// this is the bare loop, split over a few threads. Each result is the number of bytes the
// kernel took (the caller writes the rest through the socket as usual) or -errno.
//
// Where the kernel allows it (Linux io_uring, not disabled by sysctl or seccomp), the sends of a
// batch go to the kernel in one io_uring_enter instead of one send(2) each. Every send carries
// MSG_DONTWAIT, so the kernel runs it inline at submission and a full buffer answers -EAGAIN at
// once (nothing waits for room, no request outlives the call): the results are exactly what
// send(2) would have said. On the dev VM a system call's entry and exit is most of a loopback
// send's cost (~1.1 µs for getppid), and a batch of 9,000 sends took a third less CPU this way.
// COLLIERY_SEND_BACKEND=send (or sendBackend("send")) keeps the plain send(2) loop.
#include "fanout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__) && __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__NR_io_uring_setup) && defined(IORING_FEAT_EXT_ARG)
#define COLLIERY_IO_URING 1
#endif
#endif

namespace colliery {

namespace {

constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;

int32_t send_all(int fd, const uint8_t* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::send(fd, data + done, len - done, kSendFlags);
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

  size_t begin(size_t i) const { return ends == nullptr || i == 0 ? 0 : ends[i - 1]; }
  size_t end(size_t i) const { return ends == nullptr ? len : ends[i]; }
};

void send_range(const int32_t* fds, int32_t* out, size_t from, size_t to, Slices s) {
  for (size_t i = from; i < to; i++) {
    if (fds[i] < 0) {
      out[i] = -EBADF;
      continue;
    }
    out[i] = send_all(fds[i], s.data + s.begin(i), s.end(i) - s.begin(i));
  }
}

#ifdef COLLIERY_IO_URING

/** SQEs per io_uring_enter. */
constexpr unsigned kRingEntries = 1024;
/** The user_data of the cancel a ring given up sends (a send's is its index). */
constexpr uint64_t kCancel = UINT64_MAX;

/**
 * One io_uring for sends, used by one thread at a time. A batch's sends complete at submission
 * (MSG_DONTWAIT); should a kernel ever leave one waiting instead, the batch waits up to a second
 * for it, then cancels what is left and the ring is never used again (`broken`).
 */
class SendRing {
 public:
  static std::unique_ptr<SendRing> open() {
    io_uring_params p;
    memset(&p, 0, sizeof p);
    const int fd = static_cast<int>(syscall(__NR_io_uring_setup, kRingEntries, &p));
    if (fd < 0) return nullptr;
    std::unique_ptr<SendRing> r(new SendRing(fd));
    // EXT_ARG (5.11) for the bounded wait; NODROP so no completion is ever lost.
    const unsigned need = IORING_FEAT_EXT_ARG | IORING_FEAT_NODROP | IORING_FEAT_SINGLE_MMAP;
    if ((p.features & need) != need || !r->map(p)) return nullptr;
    return r;
  }

  ~SendRing() {
    if (ring_ != MAP_FAILED) munmap(ring_, ring_len_);
    if (sqes_ != MAP_FAILED) munmap(sqes_, sqes_len_);
    close(fd_);
  }

  bool broken() const { return broken_; }

  /** Sends fds[from, to) their slices, one io_uring_enter per kRingEntries; false if broken. */
  bool send(const int32_t* fds, int32_t* out, size_t from, size_t to, Slices s) {
    size_t i = from;
    while (i < to && !broken_) {
      unsigned queued = 0;
      const unsigned tail = *sq_tail_;
      for (; i < to && queued < entries_; i++) {
        if (fds[i] < 0) {
          out[i] = -EBADF;
          continue;
        }
        io_uring_sqe* e = sqe(tail + queued);
        e->opcode = IORING_OP_SEND;
        e->fd = fds[i];
        e->addr = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(s.data + s.begin(i)));
        e->len = static_cast<uint32_t>(s.end(i) - s.begin(i));
        e->msg_flags = kSendFlags;
        e->user_data = i;
        queued++;
      }
      if (queued == 0) continue;
      __atomic_store_n(sq_tail_, tail + queued, __ATOMIC_RELEASE);
      if (!submit_and_reap(queued, out)) return false;
    }
    return !broken_;
  }

 private:
  explicit SendRing(int fd) : fd_(fd) {}

  bool map(const io_uring_params& p) {
    ring_len_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    const size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    if (cq_len > ring_len_) ring_len_ = cq_len;
    ring_ = mmap(nullptr, ring_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                 IORING_OFF_SQ_RING);
    sqes_len_ = p.sq_entries * sizeof(io_uring_sqe);
    void* sqes = mmap(nullptr, sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                      IORING_OFF_SQES);
    sqes_ = static_cast<io_uring_sqe*>(sqes);
    if (ring_ == MAP_FAILED || sqes == MAP_FAILED) return false;
    char* base = static_cast<char*>(ring_);
    sq_tail_ = reinterpret_cast<unsigned*>(base + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(base + p.sq_off.ring_mask);
    sq_array_ = reinterpret_cast<unsigned*>(base + p.sq_off.array);
    cq_head_ = reinterpret_cast<unsigned*>(base + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(base + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(base + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(base + p.cq_off.cqes);
    entries_ = p.sq_entries < p.cq_entries ? p.sq_entries : p.cq_entries;
    return true;
  }

  int enter(unsigned submit, unsigned wait, unsigned flags, const void* arg, size_t arg_len) {
    return static_cast<int>(syscall(__NR_io_uring_enter, fd_, submit, wait, flags, arg, arg_len));
  }

  /** The next free SQE, cleared and queued in the submission array (the caller moves the tail). */
  io_uring_sqe* sqe(unsigned slot) {
    slot &= sq_mask_;
    io_uring_sqe* e = &sqes_[slot];
    memset(e, 0, sizeof *e);
    sq_array_[slot] = slot;
    return e;
  }

  /**
   * The sends' completions posted so far go to out (bytes taken; -EAGAIN and -ECANCELED: none);
   * how many there were. The cancel's own completion is not one.
   */
  unsigned reap(int32_t* out) {
    unsigned head = *cq_head_;
    const unsigned tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
    unsigned n = 0;
    for (; head != tail; head++) {
      const io_uring_cqe& c = cqes_[head & cq_mask_];
      if (c.user_data == kCancel) continue;
      const int res = c.res;
      out[c.user_data] = res == -EAGAIN || res == -EWOULDBLOCK || res == -ECANCELED ? 0 : res;
      n++;
    }
    __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
    return n;
  }

  bool submit_and_reap(unsigned queued, int32_t* out) {
    unsigned submitted = 0;
    while (submitted < queued) {
      const int n = enter(queued - submitted, 0, 0, nullptr, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EBUSY)) {
        reap(out);  // EBUSY: room in the completion ring first
        continue;
      }
      if (n <= 0) {
        // The kernel took no more (no memory, a refusal): what it took is answered (inline),
        // the rest never will be; the ring is given up and the caller sends what has no answer
        // the plain way.
        reap(out);
        broken_ = true;
        return false;
      }
      submitted += static_cast<unsigned>(n);
    }
    unsigned done = reap(out);
    if (done == queued) return true;
    // A send still waiting (not expected with MSG_DONTWAIT): up to a second for it, then cancel
    // the rest, wait for every completion (the buffers must outlive them) and give the ring up.
    __kernel_timespec ts{1, 0};
    io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof arg);
    arg.ts = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&ts));
    enter(0, queued - done, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
    done += reap(out);
    if (done == queued) return true;
    broken_ = true;
    const unsigned tail = *sq_tail_;
    io_uring_sqe* e = sqe(tail);
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->fd = -1;
    e->cancel_flags = 1u << 1;  // IORING_ASYNC_CANCEL_ANY (5.19): every request of the ring
    e->user_data = kCancel;
    __atomic_store_n(sq_tail_, tail + 1, __ATOMIC_RELEASE);
    enter(1, 0, 0, nullptr, 0);
    while (done < queued) {
      enter(0, 1, IORING_ENTER_GETEVENTS, nullptr, 0);
      done += reap(out);
    }
    return true;
  }

  const int fd_;
  void* ring_ = MAP_FAILED;
  size_t ring_len_ = 0;
  io_uring_sqe* sqes_ = static_cast<io_uring_sqe*>(MAP_FAILED);
  size_t sqes_len_ = 0;
  unsigned* sq_tail_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned* sq_array_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  unsigned entries_ = 0;
  bool broken_ = false;
};

/** The rings, one per sending thread slot; the lock is held for a whole call. */
struct Rings {
  std::mutex lock;
  std::vector<std::unique_ptr<SendRing>> slots;
  /** Whether sends use io_uring: until a ring cannot be opened (or sendBackend("send")). */
  bool enabled = true;
  bool probed = false;
};

Rings& rings() {
  static Rings r;
  return r;
}

/** Opens the rings for `threads` slots (under the lock); false: io_uring is not to be had. */
bool ready(Rings& r, size_t threads) {
  if (!r.probed) {
    r.probed = true;
    const char* env = getenv("COLLIERY_SEND_BACKEND");
    if (env != nullptr && strcmp(env, "send") == 0) r.enabled = false;
  }
  if (!r.enabled) return false;
  while (r.slots.size() < threads) {
    std::unique_ptr<SendRing> ring = SendRing::open();
    if (!ring) {
      r.enabled = false;
      r.slots.clear();
      return false;
    }
    r.slots.push_back(std::move(ring));
  }
  return true;
}

/** One thread's share: by its ring, or (no ring, or a ring given up) by send(2). */
void send_part(SendRing* ring, const int32_t* fds, int32_t* out, size_t from, size_t to,
               Slices s) {
  if (ring != nullptr && ring->send(fds, out, from, to, s)) return;
  if (ring == nullptr) return send_range(fds, out, from, to, s);
  // A ring given up midway: whatever it did not answer is still marked INT32_MIN.
  for (size_t i = from; i < to; i++)
    if (out[i] == INT32_MIN) send_range(fds, out, i, i + 1, s);
}

#endif  // COLLIERY_IO_URING

void send_split(const int32_t* fds, int32_t* out, size_t count, Slices s, unsigned threads,
                size_t min_per_thread) {
  size_t n = 1;
  if (threads > 1 && count >= 2 * min_per_thread) {
    const size_t max_threads = count / min_per_thread;
    n = threads < max_threads ? threads : max_threads;
  }
#ifdef COLLIERY_IO_URING
  Rings& r = rings();
  std::lock_guard<std::mutex> hold(r.lock);
  const bool uring = ready(r, n);
  if (uring)
    for (size_t i = 0; i < count; i++) out[i] = INT32_MIN;  // unanswered, for a ring given up
  auto part = [&](size_t t, size_t from, size_t to) {
    send_part(uring ? r.slots[t].get() : nullptr, fds, out, from, to, s);
  };
  bool given_up = false;
#else
  auto part = [&](size_t, size_t from, size_t to) { send_range(fds, out, from, to, s); };
#endif
  if (n == 1) {
    part(0, 0, count);
  } else {
    std::vector<std::thread> helpers;
    helpers.reserve(n - 1);
    const size_t per = (count + n - 1) / n;
    for (size_t t = 1; t < n; t++) {
      const size_t from = t * per;
      const size_t to = from + per < count ? from + per : count;
      helpers.emplace_back(part, t, from, to);
    }
    part(0, 0, per < count ? per : count);
    for (auto& h : helpers) h.join();
  }
#ifdef COLLIERY_IO_URING
  if (uring)
    for (auto& ring : r.slots) given_up = given_up || ring->broken();
  if (given_up) {
    r.enabled = false;
    r.slots.clear();
  }
#endif
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

const char* send_backend(const char* want) {
#ifdef COLLIERY_IO_URING
  Rings& r = rings();
  std::lock_guard<std::mutex> hold(r.lock);
  if (want != nullptr) {
    r.probed = true;  // an explicit choice outranks the environment
    r.enabled = strcmp(want, "io_uring") == 0;
    if (!r.enabled) r.slots.clear();
  }
  return ready(r, 1) ? "io_uring" : "send";
#else
  (void)want;
  return "send";
#endif
}

}  // namespace colliery
