// What the bench's C++ children (notify-reader.cc, load-harness.cc) share: the monotonic clock
// their receipts are in (process.hrtime.bigint()'s), the one epoll instance, and the line
// protocol on stdout (`error …` before exiting, one report per line, flushed at once).
#pragma once
#include <sys/epoll.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/types.h>
#include <unistd.h>

inline int ep = -1;

inline int64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

[[noreturn]] inline void fail(const std::string& why) {
  printf("error %s\n", why.c_str());
  fflush(stdout);
  _exit(1);
}

[[noreturn]] inline void fail_errno(const std::string& what) {
  fail(what + ": " + strerror(errno));
}

inline void say(const std::string& line) {
  fwrite(line.data(), 1, line.size(), stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

inline void watch(int op, int fd, uint32_t events, uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (epoll_ctl(ep, op, fd, &ev) < 0) fail_errno("epoll_ctl");
}

/**
 * Reads what stdin has, into `pending`, and calls `on_line` for each whole non-empty line.
 * Returns false at end of input (the parent is gone or said nothing more).
 */
template <typename F>
inline bool read_commands(std::string& pending, F&& on_line) {
  static char buf[64 * 1024];
  ssize_t r = read(0, buf, sizeof buf);
  if (r == 0) return false;
  if (r < 0) return true;  // EAGAIN/EINTR
  pending.append(buf, static_cast<size_t>(r));
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!line.empty()) on_line(line);
  }
  return true;
}
