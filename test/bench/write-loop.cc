// The cluster bench's fan-out floor: a bare TCP server in C++ that accepts connections (epoll,
// nonblocking, reading and dropping whatever they send) and, on a `write <line>` command on
// stdin, writes the line to every connection in one loop. What a node's fan-out is compared to:
// the same bytes to the same sockets on the same cores, with nothing else in the way.
//   write-loop HOST     → prints `port <p>`; then on stdin:
//     count             → `count <open connections>`
//     write <text>      → writes "<text>\n" to each; `wrote <connections> <ns in the loop>`
//     quit              → exits
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_set>

static long long now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int main(int argc, char **argv) {
  const char *host = argc > 1 ? argv[1] : "127.0.0.1";
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  inet_pton(AF_INET, host, &a.sin_addr);
  if (bind(lfd, (sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4096) != 0) {
    printf("error bind/listen: %s\n", strerror(errno));
    return 1;
  }
  socklen_t len = sizeof a;
  getsockname(lfd, (sockaddr *)&a, &len);
  nonblocking(lfd);
  printf("port %d\n", ntohs(a.sin_port));
  fflush(stdout);

  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = 0;
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  std::unordered_set<int> conns;
  std::string in;
  char buf[65536];
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int c = accept(lfd, nullptr, nullptr);
          if (c < 0) break;
          nonblocking(c);
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event ce{};
          ce.events = EPOLLIN | EPOLLRDHUP;
          ce.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
          conns.insert(c);
        }
      } else if (fd == 0) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r <= 0) return 0;
        in.append(buf, r);
        size_t nl;
        while ((nl = in.find('\n')) != std::string::npos) {
          std::string cmd = in.substr(0, nl);
          in.erase(0, nl + 1);
          if (cmd == "quit") return 0;
          if (cmd == "count") {
            printf("count %zu\n", conns.size());
          } else if (cmd.rfind("write ", 0) == 0) {
            std::string line = cmd.substr(6) + "\n";
            long long t0 = now_ns();
            size_t wrote = 0;
            for (int c : conns)
              if (write(c, line.data(), line.size()) == (ssize_t)line.size()) wrote++;
            printf("wrote %zu %lld\n", wrote, now_ns() - t0);
          }
          fflush(stdout);
        }
      } else {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
          epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
          close(fd);
          conns.erase(fd);
        }
      }
    }
  }
}
