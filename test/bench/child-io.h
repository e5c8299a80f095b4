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
