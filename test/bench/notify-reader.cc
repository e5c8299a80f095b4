// A lean, independent reader for the pool bench's notify fan-out: N idle Stratum connections
// held by this small process (not the bench's JS process, whose per-socket read callbacks
// would dominate what is measured), timestamping with CLOCK_MONOTONIC — the clock of Node's
// process.hrtime.bigint() — the read in which each socket's first mining.notify after `arm`
// arrived.
//   notify-reader HOST PORT N USER_PREFIX HANDSHAKE(0|1) SRC_ADDR...
// stdout: [notify <line>] ready N | armed | receipts <ns>... | timeout <count> | error <why>
// stdin:  arm | quit (or EOF)
// Build: g++ -O2 -std=c++17 -o notify-reader test/bench/notify-reader.cc
#include "child-io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kMaxConnecting = 500;         // connects outstanding at once
constexpr int64_t kSetupNs = 60'000'000'000;  // all connected (and handshaken) within this
constexpr int64_t kArmedNs = 20'000'000'000;  // all receipts within this after `arm`
constexpr uint64_t kStdinKey = UINT64_MAX;    // epoll key of stdin; sockets use their index
const char kNeedle[] = "mining.notify";
constexpr size_t kNeedleLen = sizeof kNeedle - 1;
constexpr size_t kTail = kNeedleLen - 1;  // bytes a match can span into the previous read
constexpr size_t kMaxHandshake = 1 << 20;

enum class St : uint8_t { Idle, Connecting, Handshake, Ready };
struct Conn {
  int fd = -1;
  St st = St::Idle;
  bool got = false;  // a receipt for the current arm
  uint8_t tail_len = 0;
  char tail[kTail];
  std::string lines;  // everything read during the handshake (framed by newline there)
};

std::vector<Conn> conns;
std::vector<int64_t> receipts;


in_addr parse_ip(const char* s) {
  in_addr a{};
  if (inet_pton(AF_INET, s, &a) != 1) fail(std::string("not an IPv4 address: ") + s);
  return a;
}

// Does `data`, read after the socket's tail, contain "mining.notify", whole or straddling the
// tail? Updates the tail to the newest kTail bytes either way. (After the handshake only
// notifications arrive, so the bare name is enough there.)
bool scan(Conn& c, const char* data, size_t n) {
  char joint[2 * kTail];
  size_t head = n < kTail ? n : kTail;
  memcpy(joint, c.tail, c.tail_len);
  memcpy(joint + c.tail_len, data, head);
  bool hit = memmem(joint, c.tail_len + head, kNeedle, kNeedleLen) != nullptr ||
             memmem(data, n, kNeedle, kNeedleLen) != nullptr;
  if (n >= kTail) {
    memcpy(c.tail, data + n - kTail, kTail);
    c.tail_len = kTail;
  } else {  // keep the newest kTail bytes of tail + data
    size_t keep = c.tail_len + n > kTail ? kTail - n : c.tail_len;
    memmove(c.tail, c.tail + c.tail_len - keep, keep);
    memcpy(c.tail + keep, data, n);
    c.tail_len = static_cast<uint8_t>(keep + n);
  }
  return hit;
}

// Is this line a mining.notify notification? Not just "contains mining.notify": a pool's
// subscribe reply names it too ([["mining.notify", subscription id], ...]).
bool is_notify_line(std::string_view line) {
  size_t at = line.find("\"method\"");
  if (at == std::string_view::npos) return false;
  line.remove_prefix(at + 8);
  auto skip_space = [&] {
    while (!line.empty() && (line[0] == ' ' || line[0] == '\t')) line.remove_prefix(1);
  };
  skip_space();
  if (line.empty() || line[0] != ':') return false;
  line.remove_prefix(1);
  skip_space();
  return line.substr(0, kNeedleLen + 2) == "\"mining.notify\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) fail("usage: notify-reader HOST PORT N USER_PREFIX HANDSHAKE(0|1) SRC_ADDR...");
  signal(SIGPIPE, SIG_IGN);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_addr = parse_ip(argv[1]);
  const int port = atoi(argv[2]);
  if (port <= 0 || port > 65535) fail(std::string("bad port: ") + argv[2]);
  dst.sin_port = htons(static_cast<uint16_t>(port));
  const long n_arg = atol(argv[3]);
  const size_t n = n_arg > 0 ? static_cast<size_t>(n_arg) : 0;
  const std::string user_prefix = argv[4];
  const bool handshake = strcmp(argv[5], "1") == 0;
  std::vector<in_addr> sources;
  for (int i = 6; i < argc; i++) sources.push_back(parse_ip(argv[i]));
  if (n == 0) fail("N must be positive");

  rlimit rl{};  // one descriptor per socket: raise the soft limit as far as allowed
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < n + 16) fail("RLIMIT_NOFILE hard limit too low for N sockets");

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail_errno("epoll_create1");
  if (fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) < 0) fail_errno("stdin");
  epoll_event in{};
  in.events = EPOLLIN;
  in.data.u64 = kStdinKey;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in) < 0) fail_errno("stdin must be a pipe or tty");

  conns.resize(n);
  receipts.assign(n, 0);
  size_t opened = 0, ready = 0, got_count = 0;
  int connecting = 0;
  bool armed = false;
  int64_t deadline = now_ns() + kSetupNs;
  std::string notify_line, stdin_buf;
  static char buf[256 * 1024];

  auto become_ready = [&](Conn& c) {
    c.st = St::Ready;
    std::string().swap(c.lines);
    if (++ready == n) {
      if (handshake) say("notify " + notify_line);
      say("ready " + std::to_string(n));
    }
  };
  // A socket finished connecting: send the handshake, or it is ready right away.
  auto connected = [&](size_t i) {
    Conn& c = conns[i];
    connecting--;
    watch(EPOLL_CTL_MOD, c.fd, EPOLLIN, i);
    if (!handshake) return become_ready(c);
    c.st = St::Handshake;
    std::string hello =
        R"({"id":1,"method":"mining.subscribe","params":["notify-reader/1"]})"
        "\n"
        R"({"id":2,"method":"mining.authorize","params":[")" +
        user_prefix + std::to_string(i) + R"(","x"]})" + "\n";
    if (send(c.fd, hello.data(), hello.size(), MSG_NOSIGNAL) != ssize_t(hello.size()))
      fail("socket " + std::to_string(i) + " handshake send failed");
  };
  auto open_more = [&] {
    while (opened < n && connecting < kMaxConnecting) {
      const size_t i = opened++;
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) fail_errno("socket");
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (!sources.empty()) {  // the port is picked at connect (per destination), not bind
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr = sources[i % sources.size()];
        if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) fail_errno("bind");
      }
      conns[i].fd = fd;
      conns[i].st = St::Connecting;
      connecting++;
      int r = connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
      if (r < 0 && errno != EINPROGRESS) fail_errno("connect " + std::to_string(i));
      watch(EPOLL_CTL_ADD, fd, EPOLLOUT, i);
    }
  };
  // Drains one socket until EAGAIN; returns early on the first problem by exiting.
  auto read_socket = [&](size_t i) {
    Conn& c = conns[i];
    for (;;) {
      ssize_t r = recv(c.fd, buf, sizeof buf, 0);
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) fail("socket " + std::to_string(i) + " closed (" + strerror(errno) + ")");
      if (r == 0) fail("socket " + std::to_string(i) + " closed");
      const int64_t at = armed && !c.got ? now_ns() : 0;  // right after the read returned
      const size_t len = static_cast<size_t>(r);
      bool hit = scan(c, buf, len);
      if (c.st == St::Handshake) {  // frame lines until the first complete notify line
        c.lines.append(buf, len);
        if (c.lines.size() > kMaxHandshake) fail("socket " + std::to_string(i) + " flooded");
        size_t start = 0, nl;
        while (c.st == St::Handshake && (nl = c.lines.find('\n', start)) != std::string::npos) {
          if (is_notify_line(std::string_view(c.lines).substr(start, nl - start))) {
            if (notify_line.empty()) notify_line = c.lines.substr(start, nl - start);
            become_ready(c);
          }
          start = nl + 1;
        }
        if (c.st == St::Handshake) c.lines.erase(0, start);
      } else if (hit && at != 0) {
        c.got = true;
        receipts[i] = at;
        if (++got_count == n) {
          std::string out = "receipts";
          for (int64_t v : receipts) out += ' ' + std::to_string(v);
          say(out);
          armed = false;
        }
      }
    }
  };
  auto command = [&](const std::string& line) {
    if (line == "quit") {
      for (Conn& c : conns) close(c.fd);
      exit(0);
    }
    if (line != "arm") fail("unknown command: " + line);
    if (ready < n) fail("arm before ready");
    for (Conn& c : conns) c.got = false;
    got_count = 0;
    armed = true;
    deadline = now_ns() + kArmedNs;
    say("armed");
  };

  open_more();
  std::vector<epoll_event> events(1024);
  for (;;) {
    int timeout_ms = -1;  // no deadline while idle between rounds
    if (ready < n || armed) {
      const int64_t left = deadline - now_ns();
      timeout_ms = left <= 0 ? 0 : static_cast<int>(left / 1'000'000) + 1;
    }
    int k = epoll_wait(ep, events.data(), int(events.size()), timeout_ms);
    if (k < 0 && errno != EINTR) fail_errno("epoll_wait");
    for (int e = 0; e < k; e++) {
      const uint64_t key = events[static_cast<size_t>(e)].data.u64;  // a socket's index
      if (key == kStdinKey) {
        if (!read_commands(stdin_buf, command)) command("quit");
        continue;
      }
      const size_t i = key;
      Conn& c = conns[i];
      if (c.st == St::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) fail("socket " + std::to_string(i) + " connect: " + strerror(err));
        connected(i);
        open_more();
      } else {
        read_socket(i);
      }
    }
    // While armed, let reads gather for 0.5 ms after a batch instead of waiting in epoll_wait
    // for the next one: a sender's send(2) then only queues an event (no wakeup of this
    // process per socket), so the reader takes less of the cores it shares with the server.
    // A receipt is stamped when its read returns, so it is at most 0.5 ms late, never early.
    if (armed && k > 0) usleep(500);
    if ((ready < n || armed) && now_ns() >= deadline) {
      if (ready < n) fail(std::to_string(ready) + " of " + std::to_string(n) + " ready in 60 s");
      say("timeout " + std::to_string(got_count));
      armed = false;
    }
  }
}
