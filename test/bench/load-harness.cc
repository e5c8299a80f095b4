// A load harness that plays many Stratum V1 miners from one small process: one epoll loop, no
// hashing. Each of its N connections connects from a loopback source address (round-robin over
// the ones given, so ephemeral ports do not run out) to one of the given pool nodes
// (round-robin), subscribes, authorizes as USER_PREFIX<g>, keeps extranonce1 and the extranonce2
// size from the subscribe answer and the job id and ntime of the latest mining.notify, and, at
// the process's submit rate (shares/s, dealt round-robin over its ready connections in 10 ms
// ticks, at most 100 in flight per connection), sends mining.submit with a per-connection
// counter as nonce (low 32 bits) and extranonce2 (high bits): never a duplicate, and with the
// pool's share difficulty pinned at 2^-32 all but 1 in 65,536 are shares. It counts the answers
// (accepted; rejected by Stratum error code).
// Moving: on client.reconnect [host, port, wait] (port a string or a number; host an IPv4
// address or localhost) a connection submits no more, leaves once its submits in flight are
// answered or the pool closes it (30 s at most), and connects to host:port after `wait` seconds
// (no params, or a host it cannot use: the same node). A connection the pool drops, or a
// connect that fails, goes to another node of the list at random, as behind DNS round-robin
// or a load balancer (a list that grows with the nodes client.reconnect named), backing off (0.1 s doubling to 5 s, jittered) while connects fail or
// connections close before authorize.
// Receipts: `arm` starts a round over the connections ready at that moment; each gets the
// CLOCK_MONOTONIC time (process.hrtime.bigint()'s clock) right after the read that completed its
// next mining.notify line, so a fan-out can be timed from a trigger taken in another process. As
// in the notify reader, while armed the loop lets reads gather for 0.5 ms after each batch
// instead of waking per socket: a receipt is at most ~0.5 ms late, never early.
//   load-harness -n N -u USER_PREFIX -t HOST:PORT [-t HOST:PORT...] [-s SRC_ADDR...]
//                [-b FIRST_INDEX] [-r RATE] [-i STATS_MS] [-w SETUP_S]
// Connection i (0-based) has the global index g = FIRST_INDEX + i: it authorizes as
// USER_PREFIX<g>, starts on target g % T and binds source g % S, so a fleet of processes with
// disjoint index ranges spreads exactly as one process would.
// stdin (one command a line):
//   stats              → one `stats` line now
//   submit RATE        → `rate RATE` (shares/s for this process; 0 stops submitting)
//   arm [TIMEOUT_MS]   → `armed`, then one `receipts` line once every connection of the round has
//                        its receipt or lost its socket, or after TIMEOUT_MS (default 20,000)
//   quit (or EOF)      → a last `stats` line, then exit 0
// stdout:
//   ready CONNECTED AUTHORIZED MS   once: all N authorized with a job, or SETUP_S (default 120)
//                                   passed; MS since start
//   stats t=NS accepted=A rejected=R rejects=CODE:COUNT,…|- sent=S inflight=F lost=L
//         connected=C authorized=U ready=Y notifies=M connects=K reconnects=X drops=D
//         connectFailures=E authFailures=Z rssKb=KB targets=HOST:PORT/AUTHORIZED,…
//     at `stats`, every STATS_MS if given, and at quit. Counters are totals since start: lost =
//     submits in flight on a socket that closed unanswered, reconnects = client.reconnect
//     followed, drops = connections closed otherwise (by the pool, an error, a handshake of
//     over 60 s), connects = TCP connects made; connected/authorized/ready (authorized with a job)
//     and targets (authorized connections per node) are now.
//   rate RATE
//   armed
//   receipts GOT BASE_NS D_0 … D_N-1   D_i: connection i's receipt − BASE_NS (the earliest) in ns,
//                                      or `-` (not ready at arm, socket lost, or timed out)
//   error WHY                          then exit 1
// Build: g++ -O2 -std=c++17 -o load-harness test/bench/load-harness.cc
// One descriptor per socket: N is bounded by RLIMIT_NOFILE's hard limit (the soft one is raised
// to it here); a larger run uses several processes (test/helpers/load-harness.ts startLoadFleet).
#include "child-io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int kMaxConnecting = 500;                // connects outstanding at once
constexpr int64_t kConnectTimeoutNs = 10'000 * kMs;  // SYN to established
constexpr int64_t kHandshakeTimeoutNs = 60'000 * kMs;  // established to authorized with a job
constexpr int64_t kLeaveTimeoutNs = 30'000 * kMs;  // client.reconnect to the last answer
constexpr int64_t kSubmitTickNs = 10 * kMs;
constexpr int64_t kSweepNs = 1'000 * kMs;
constexpr int64_t kDefaultArmNs = 20'000 * kMs;
constexpr uint16_t kMaxInFlight = 100;  // the node refuses a connection's submits past 128 pending
constexpr size_t kMaxLine = 64 * 1024;
constexpr size_t kMaxOut = 256 * 1024;  // no more submits to a socket with this much unsent
constexpr uint64_t kStdinKey = UINT64_MAX;
constexpr size_t kMaxTargets = 255;

enum class St : uint8_t { Waiting, Connecting, Handshake, Ready };

struct Target {
  sockaddr_in addr{};
  std::string name;  // host:port as given or named by client.reconnect
};

struct Conn {
  std::string job;  // the latest notify's job id
  std::string in;   // a partial line
  std::string out;  // bytes the kernel has not taken yet
  uint64_t counter = 0;  // the next submit's nonce (low 32 bits) and extranonce2 (high 32)
  int64_t since = 0;     // when the current connect or handshake began
  uint32_t next_id = 3;  // 1 and 2 are subscribe and authorize
  int fd = -1;
  uint16_t inflight = 0;
  St st = St::Waiting;
  uint8_t target = 0;
  uint8_t en2_size = 4;
  uint8_t en1_len = 0;
  uint8_t fails = 0;        // connects in a row that failed (or closed before authorize)
  uint8_t arm = 0;          // 0: not in the round, 1: waiting for its notify, 2: received
  uint8_t leave_to = 0;     // leaving: the target client.reconnect named (or the same)
  uint16_t leave_wait = 0;  // leaving: seconds to wait before connecting there
  bool leaving = false;     // client.reconnect came: no more submits; goes once answered
  bool authorized = false;
  bool refused = false;     // authorize answered false: no timeout, no submits
  bool out_watched = false;  // EPOLLOUT registered (unsent bytes)
  bool dirty = false;       // in the flush list
  char ntime[8];
  char en1[16];  // extranonce1 as hex (up to 8 bytes), from the subscribe answer
};

// --- configuration
std::vector<Target> targets;
std::vector<in_addr> sources;
std::string user_prefix;
uint64_t first_index = 0;
size_t n = 0;

// --- state
std::vector<Conn> conns;
std::vector<int64_t> receipts;
std::deque<uint32_t> connect_queue;
using Due = std::pair<int64_t, uint32_t>;
std::priority_queue<Due, std::vector<Due>, std::greater<Due>> delayed;  // reconnects later
std::vector<uint32_t> dirty;
std::vector<uint32_t> on_target;  // authorized connections per target
int connecting = 0;
size_t n_connected = 0, n_authorized = 0, n_ready = 0;
bool armed = false;
size_t arm_waiting = 0, arm_got = 0;
int64_t arm_deadline = 0;
int64_t start_ns = 0;

// --- counters
uint64_t accepted = 0, rejected = 0, sent = 0, lost = 0, notifies = 0, connects = 0,
         reconnects = 0, drops = 0, connect_failures = 0, auth_failures = 0;
std::map<long, uint64_t> rejects;


bool parse_ip(std::string_view s, in_addr* out) {
  if (s == "localhost") s = "127.0.0.1";
  std::string z(s);
  return inet_pton(AF_INET, z.c_str(), out) == 1;
}

/** The index of host:port in targets, added if new; -1 if not an IPv4 address or too many. */
int target_index(std::string_view host, long port) {
  in_addr a{};
  if (port <= 0 || port > 65535 || !parse_ip(host, &a)) return -1;
  for (size_t t = 0; t < targets.size(); t++)
    if (targets[t].addr.sin_addr.s_addr == a.s_addr && ntohs(targets[t].addr.sin_port) == port)
      return static_cast<int>(t);
  if (targets.size() >= kMaxTargets) return -1;
  Target t;
  t.addr.sin_family = AF_INET;
  t.addr.sin_addr = a;
  t.addr.sin_port = htons(static_cast<uint16_t>(port));
  t.name = std::string(host) + ":" + std::to_string(port);
  targets.push_back(t);
  on_target.push_back(0);
  return static_cast<int>(targets.size() - 1);
}

// --- a little JSON, enough for the pool's lines (which JSON.stringify wrote)

void skip_space(std::string_view& s) {
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r')) s.remove_prefix(1);
}

/** The value after `"key":` (from its first character), or empty. */
std::string_view value_of(std::string_view line, std::string_view key) {
  std::string quoted = "\"" + std::string(key) + "\"";
  size_t at = line.find(quoted);
  if (at == std::string_view::npos) return {};
  line.remove_prefix(at + quoted.size());
  skip_space(line);
  if (line.empty() || line[0] != ':') return {};
  line.remove_prefix(1);
  skip_space(line);
  return line;
}

/** One JSON value at the start of s: its raw text (strings with their quotes); s moves past it. */
std::string_view take_value(std::string_view& s) {
  skip_space(s);
  size_t i = 0, depth = 0;
  bool in_string = false;
  for (; i < s.size(); i++) {
    char ch = s[i];
    if (in_string) {
      if (ch == '\\') i++;
      else if (ch == '"') {
        in_string = false;
        if (depth == 0) {
          i++;
          break;
        }
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      depth++;
    } else if (ch == ']' || ch == '}') {
      if (depth == 0) break;  // the end of the enclosing array
      if (--depth == 0) {
        i++;
        break;
      }
    } else if (depth == 0 && ch == ',') {
      break;
    }
  }
  std::string_view v = s.substr(0, i);
  s.remove_prefix(i);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

/** The elements of the array at the start of s (raw, as take_value gives them). */
bool array_items(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  skip_space(s);
  if (s.empty() || s[0] != '[') return false;
  s.remove_prefix(1);
  skip_space(s);
  if (!s.empty() && s[0] == ']') return true;
  for (;;) {
    std::string_view v = take_value(s);
    if (v.empty()) return false;
    out.push_back(v);
    skip_space(s);
    if (s.empty()) return false;
    if (s[0] == ']') return true;
    if (s[0] != ',') return false;
    s.remove_prefix(1);
  }
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

long to_long(std::string_view v) {
  v = unquote(v);
  std::string z(v.substr(0, 20));
  char* end = nullptr;
  long r = strtol(z.c_str(), &end, 10);
  return end == z.c_str() ? LONG_MIN : r;
}

// --- connections

std::string user_of(size_t i) { return user_prefix + std::to_string(first_index + i); }

int64_t backoff_ns(uint8_t fails) {
  if (fails == 0) return 0;
  int64_t base = (100 * kMs) << (fails > 6 ? 5 : fails - 1);
  if (base > 5'000 * kMs) base = 5'000 * kMs;
  return base / 2 + static_cast<int64_t>(drand48() * static_cast<double>(base));
}

void schedule(uint32_t i, int64_t delay) {
  if (delay <= 0) connect_queue.push_back(i);
  else delayed.push({now_ns() + delay, i});
}

/**
 * Another node than the one that dropped or refused `c`, at random: what miners dialling a pool
 * name behind DNS round-robin or a load balancer get. All of a dead node's miners on the same
 * next node would fill it (and be refused onward) while the others sit idle.
 */
void next_target(Conn& c) {
  const size_t n = targets.size();
  if (n < 2) return;
  const size_t step = 1 + static_cast<size_t>(drand48() * static_cast<double>(n - 1)) % (n - 1);
  c.target = static_cast<uint8_t>((c.target + step) % n);
}

void say_receipts();
void leave(uint32_t i);

/** An armed connection will not get its receipt (its socket went). */
void arm_lost(Conn& c) {
  if (c.arm != 1) return;
  c.arm = 0;
  if (--arm_waiting == 0) say_receipts();
}

/** Closes the socket and forgets the session (counters, in-flight submits, the arm round). */
void teardown(Conn& c) {
  if (c.st == St::Connecting) connecting--;
  if (c.st == St::Handshake || c.st == St::Ready) n_connected--;
  if (c.st == St::Ready) n_ready--;
  if (c.authorized) {
    n_authorized--;
    on_target[c.target]--;
  }
  lost += c.inflight;
  c.inflight = 0;
  arm_lost(c);
  if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  c.st = St::Waiting;
  c.authorized = c.refused = c.out_watched = c.leaving = false;
  std::string().swap(c.in);
  std::string().swap(c.out);
  c.job.clear();
}

/** The peer closed, a socket error, or a handshake that never finished: next target. */
void drop(uint32_t i) {
  Conn& c = conns[i];
  drops++;
  if (!c.authorized && c.fails < 255) c.fails++;  // a node that keeps closing us: back off
  teardown(c);
  next_target(c);
  schedule(i, backoff_ns(c.fails));
}

void connect_failed(uint32_t i) {
  Conn& c = conns[i];
  connect_failures++;
  if (c.fails < 255) c.fails++;
  teardown(c);
  next_target(c);
  schedule(i, backoff_ns(c.fails));
}

/** Writes what the socket can take; false if the connection went (dropped). */
bool flush(uint32_t i) {
  Conn& c = conns[i];
  while (!c.out.empty()) {
    ssize_t r = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (r < 0) {
      if (c.leaving) leave(i);
      else drop(i);
      return false;
    }
    c.out.erase(0, static_cast<size_t>(r));
  }
  const bool want = !c.out.empty();
  if (want != c.out_watched) {
    c.out_watched = want;
    watch(EPOLL_CTL_MOD, c.fd, want ? EPOLLIN | EPOLLOUT : EPOLLIN, i);
  }
  if (!want && c.out.capacity() > 4096) std::string().swap(c.out);
  return true;
}

void mark_dirty(uint32_t i) {
  if (conns[i].dirty) return;
  conns[i].dirty = true;
  dirty.push_back(i);
}

void flush_dirty() {
  for (uint32_t i : dirty) {
    conns[i].dirty = false;
    if (conns[i].fd >= 0) flush(i);
  }
  dirty.clear();
}

void start_connect(uint32_t i) {
  Conn& c = conns[i];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!sources.empty()) {  // the port is picked at connect (per destination), not at bind
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr = sources[(first_index + i) % sources.size()];
    if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) fail_errno("bind");
  }
  c.fd = fd;
  c.st = St::Connecting;
  c.since = now_ns();
  connecting++;
  const Target& t = targets[c.target];
  int r = connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), sizeof t.addr);
  if (r < 0 && errno != EINPROGRESS) return connect_failed(i);  // refused at once, no ports…
  watch(EPOLL_CTL_ADD, fd, EPOLLOUT, i);
}

void open_more() {
  while (connecting < kMaxConnecting && !connect_queue.empty()) {
    uint32_t i = connect_queue.front();
    connect_queue.pop_front();
    if (conns[i].st == St::Waiting) start_connect(i);
  }
}

void connected(uint32_t i) {
  Conn& c = conns[i];
  connecting--;
  connects++;
  n_connected++;
  c.st = St::Handshake;
  c.since = now_ns();
  c.inflight = 0;
  c.out_watched = false;
  watch(EPOLL_CTL_MOD, c.fd, EPOLLIN, i);
  c.out += R"({"id":1,"method":"mining.subscribe","params":["load-harness/1"]})"
           "\n"
           R"({"id":2,"method":"mining.authorize","params":[")";
  c.out += user_of(i);
  c.out += "\",\"x\"]}\n";
  flush(i);
}

void become_ready(Conn& c) {
  c.st = St::Ready;
  n_ready++;
}

/** Closes a connection told to reconnect and connects where it was told, after its wait. */
void leave(uint32_t i) {
  Conn& c = conns[i];
  const uint8_t to = c.leave_to;
  const int64_t wait = c.leave_wait * 1'000 * kMs;
  teardown(c);
  c.fails = 0;
  c.target = to;
  schedule(i, wait);
}

/**
 * client.reconnect [host, port, wait] (port a string or a number; host an IPv4 address or
 * localhost, else ignored): no more submits here; the connection goes once its submits in flight
 * are answered (or the pool closes it), to host:port (else the same node) after `wait` seconds.
 * Returns false if it went at once.
 */
bool follow_reconnect(uint32_t i, std::string_view line) {
  Conn& c = conns[i];
  reconnects++;
  std::vector<std::string_view> params;
  array_items(value_of(line, "params"), params);
  int t = c.target;
  if (params.size() >= 2) {
    int named = target_index(unquote(params[0]), to_long(params[1]));
    if (named >= 0) t = named;
  }
  long wait = params.size() >= 3 ? to_long(params[2]) : 0;
  c.leaving = true;
  c.leave_to = static_cast<uint8_t>(t);
  c.leave_wait = static_cast<uint16_t>(wait < 0 ? 0 : wait > 600 ? 600 : wait);
  c.since = now_ns();
  if (c.inflight > 0) return true;
  leave(i);
  return false;
}

void receipt(Conn& c, uint32_t i, int64_t at) {
  receipts[i] = at;
  c.arm = 2;
  arm_got++;
  if (--arm_waiting == 0) say_receipts();
}

/** One line from the pool; false if the connection went (client.reconnect). */
bool on_line(uint32_t i, std::string_view line, int64_t at) {
  Conn& c = conns[i];
  static std::vector<std::string_view> items;
  std::string_view method = value_of(line, "method");
  if (!method.empty()) {  // a notification (or a server request, ignored)
    method = unquote(take_value(method));
    if (method == "mining.notify") {
      notifies++;
      if (!array_items(value_of(line, "params"), items) || items.size() < 2) return true;
      std::string_view job = unquote(items[0]), ntime = unquote(items[items.size() - 2]);
      if (job.empty() || ntime.size() != 8) return true;  // not a SHA256d notify: no submits
      c.job.assign(job);
      memcpy(c.ntime, ntime.data(), 8);
      if (armed && c.arm == 1) receipt(c, i, at);
      if (c.st == St::Handshake && c.authorized) become_ready(c);
    } else if (method == "client.reconnect") {
      return follow_reconnect(i, line);
    }
    return true;
  }
  const long id = to_long(value_of(line, "id"));
  std::string_view err = value_of(line, "error");
  const bool ok = err.substr(0, 4) == "null";
  long code = 0;
  if (!ok) {
    if (array_items(err, items) && !items.empty()) code = to_long(items[0]);
    if (code == LONG_MIN) code = 0;
  }
  if (id == 1) {  // subscribe: [[subscriptions], extranonce1, extranonce2_size]
    if (ok && array_items(value_of(line, "result"), items) && items.size() >= 3) {
      std::string_view en1 = unquote(items[1]);
      c.en1_len = static_cast<uint8_t>(en1.size() < sizeof c.en1 ? en1.size() : sizeof c.en1);
      memcpy(c.en1, en1.data(), c.en1_len);
      long size = to_long(items[2]);
      c.en2_size = static_cast<uint8_t>(size < 0 ? 0 : size > 32 ? 32 : size);
    }
  } else if (id == 2) {  // authorize
    if (ok && value_of(line, "result").substr(0, 4) == "true") {
      c.authorized = true;
      c.fails = 0;
      n_authorized++;
      on_target[c.target]++;
      if (c.st == St::Handshake && !c.job.empty()) become_ready(c);
    } else {
      c.refused = true;
      auth_failures++;
    }
  } else if (id >= 3) {  // a submit
    if (c.inflight > 0) c.inflight--;
    if (ok) {
      accepted++;
    } else {
      rejected++;
      rejects[code]++;
    }
    if (c.leaving && c.inflight == 0) {
      leave(i);
      return false;
    }
  }
  return true;
}

/** Drains a readable socket; false if the connection went. */
bool read_socket(uint32_t i) {
  static char buf[256 * 1024];
  Conn& c = conns[i];
  for (;;) {
    ssize_t r = recv(c.fd, buf, sizeof buf, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (c.leaving) leave(i);  // the pool closed it after client.reconnect, as it should
      else drop(i);
      return false;
    }
    const int64_t at = armed ? now_ns() : 0;  // right after the read returned
    const char* p = buf;
    const char* end = buf + r;
    while (p < end) {
      const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) {
        if (c.in.size() + static_cast<size_t>(end - p) > kMaxLine) {
          drop(i);
          return false;
        }
        c.in.append(p, static_cast<size_t>(end - p));
        break;
      }
      bool alive;
      if (c.in.empty()) {
        alive = on_line(i, std::string_view(p, static_cast<size_t>(nl - p)), at);
      } else {
        std::string line;
        line.swap(c.in);
        line.append(p, static_cast<size_t>(nl - p));
        alive = on_line(i, line, at);
      }
      if (!alive) return false;
      p = nl + 1;
    }
    if (static_cast<size_t>(r) < sizeof buf) return true;  // drained (level-triggered anyway)
  }
}

// --- submits

double rate = 0, credit = 0;
int64_t last_tick = 0;
size_t cursor = 0;

char* put_hex(char* p, uint64_t v, int digits) {
  static const char kHex[] = "0123456789abcdef";
  for (int d = digits - 1; d >= 0; d--) p[d] = kHex[v & 15], v >>= 4;
  return p + digits;
}

void append_submit(Conn& c, uint32_t i) {
  char tail[128];
  const uint64_t k = c.counter++;
  char* p = tail;
  *p++ = '"';
  *p++ = ',';
  *p++ = '"';
  // extranonce2: the counter's high part, as many hex digits as the pool asked for
  const int digits = 2 * c.en2_size;
  for (int d = digits; d > 16; d--) *p++ = '0';
  p = put_hex(p, (k >> 32), digits > 16 ? 16 : digits);
  memcpy(p, "\",\"", 3);
  p += 3;
  memcpy(p, c.ntime, 8);
  p += 8;
  memcpy(p, "\",\"", 3);
  p += 3;
  p = put_hex(p, k & 0xffffffffu, 8);
  memcpy(p, "\"]}\n", 4);
  p += 4;
  c.out += "{\"id\":";
  c.out += std::to_string(c.next_id++);
  c.out += ",\"method\":\"mining.submit\",\"params\":[\"";
  c.out += user_prefix;
  c.out += std::to_string(first_index + i);
  c.out += "\",\"";
  c.out += c.job;
  c.out.append(tail, static_cast<size_t>(p - tail));
  c.inflight++;
  sent++;
}

/** This tick's share of the rate, one submit at a time round-robin over ready connections. */
void submit_tick(int64_t now) {
  credit += rate * static_cast<double>(now - last_tick) / 1e9;
  last_tick = now;
  const double cap = rate * 0.1 > 1 ? rate * 0.1 : 1;  // after a stall, no burst past 100 ms worth
  if (credit > cap) credit = cap;
  size_t k = static_cast<size_t>(credit);
  credit -= static_cast<double>(k);
  size_t idle = 0;  // connections passed over since the last submit
  while (k > 0 && idle < n) {
    const uint32_t i = static_cast<uint32_t>(cursor);
    cursor = (cursor + 1) % n;
    Conn& c = conns[i];
    if (c.st != St::Ready || c.leaving || c.inflight >= kMaxInFlight || c.out.size() > kMaxOut) {
      idle++;
      continue;
    }
    append_submit(c, i);
    mark_dirty(i);
    k--;
    idle = 0;
  }
  if (k > 0) credit = 0;  // nobody could take them: not carried over
  flush_dirty();
}

// --- reports

long rss_kb() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string stats_line() {
  std::string s = "stats t=" + std::to_string(now_ns());
  auto kv = [&](const char* k, uint64_t v) {
    s += ' ';
    s += k;
    s += '=';
    s += std::to_string(v);
  };
  kv("accepted", accepted);
  kv("rejected", rejected);
  s += " rejects=";
  if (rejects.empty()) s += '-';
  bool first = true;
  for (const auto& [code, count] : rejects) {
    if (!first) s += ',';
    first = false;
    s += std::to_string(code) + ":" + std::to_string(count);
  }
  uint64_t inflight = 0;
  for (const Conn& c : conns) inflight += c.inflight;
  kv("sent", sent);
  kv("inflight", inflight);
  kv("lost", lost);
  kv("connected", n_connected);
  kv("authorized", n_authorized);
  kv("ready", n_ready);
  kv("notifies", notifies);
  kv("connects", connects);
  kv("reconnects", reconnects);
  kv("drops", drops);
  kv("connectFailures", connect_failures);
  kv("authFailures", auth_failures);
  s += " rssKb=" + std::to_string(rss_kb());
  s += " targets=";
  for (size_t t = 0; t < targets.size(); t++) {
    if (t > 0) s += ',';
    s += targets[t].name + "/" + std::to_string(on_target[t]);
  }
  return s;
}

void say_receipts() {
  armed = false;
  int64_t base = 0;
  for (size_t i = 0; i < n; i++)
    if (conns[i].arm == 2 && (base == 0 || receipts[i] < base)) base = receipts[i];
  std::string out = "receipts " + std::to_string(arm_got) + " " + std::to_string(base);
  out.reserve(out.size() + n * 10);
  for (size_t i = 0; i < n; i++) {
    out += ' ';
    if (conns[i].arm == 2) out += std::to_string(receipts[i] - base);
    else out += '-';
    conns[i].arm = 0;
  }
  arm_waiting = 0;
  say(out);
}

void quit() {
  say(stats_line());
  for (Conn& c : conns)
    if (c.fd >= 0) close(c.fd);
  exit(0);
}

void command(const std::string& line) {
  if (line == "quit") quit();
  if (line == "stats") return say(stats_line());
  if (line.rfind("submit ", 0) == 0) {
    char* end = nullptr;
    double r = strtod(line.c_str() + 7, &end);
    if (end == line.c_str() + 7 || !(r >= 0)) fail("bad rate: " + line);
    rate = r;
    credit = 0;
    last_tick = now_ns();
    return say("rate " + line.substr(7));
  }
  if (line == "arm" || line.rfind("arm ", 0) == 0) {
    int64_t timeout = kDefaultArmNs;
    if (line.size() > 4) timeout = atoll(line.c_str() + 4) * kMs;
    if (timeout <= 0) fail("bad arm timeout: " + line);
    arm_waiting = arm_got = 0;
    for (size_t i = 0; i < n; i++) {
      conns[i].arm = conns[i].st == St::Ready ? 1 : 0;
      arm_waiting += conns[i].arm;
      receipts[i] = 0;
    }
    armed = true;
    arm_deadline = now_ns() + timeout;
    say("armed");
    if (arm_waiting == 0) say_receipts();
    return;
  }
  fail("unknown command: " + line);
}

[[noreturn]] void usage(const std::string& why) {
  fail(why +
       " (usage: load-harness -n N -u USER_PREFIX -t HOST:PORT [-t HOST:PORT...] "
       "[-s SRC_ADDR...] [-b FIRST_INDEX] [-r RATE] [-i STATS_MS] [-w SETUP_S])");
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  long stats_every_ms = 0, setup_s = 120, n_arg = 0;
  int opt;
  while ((opt = getopt(argc, argv, "n:u:t:s:b:r:i:w:")) != -1) {
    switch (opt) {
      case 'n':
        n_arg = atol(optarg);
        break;
      case 'u':
        user_prefix = optarg;
        break;
      case 't': {
        std::string_view t = optarg;
        size_t colon = t.rfind(':');
        if (colon == std::string_view::npos ||
            target_index(t.substr(0, colon), to_long(t.substr(colon + 1))) < 0)
          usage(std::string("bad target: ") + optarg);
        break;
      }
      case 's': {
        in_addr a{};
        if (!parse_ip(optarg, &a)) usage(std::string("not an IPv4 address: ") + optarg);
        sources.push_back(a);
        break;
      }
      case 'b':
        first_index = strtoull(optarg, nullptr, 10);
        break;
      case 'r':
        rate = strtod(optarg, nullptr);
        if (!(rate >= 0)) usage("bad rate");
        break;
      case 'i':
        stats_every_ms = atol(optarg);
        break;
      case 'w':
        setup_s = atol(optarg);
        break;
      default:
        usage("bad option");
    }
  }
  if (n_arg <= 0) usage("N must be positive");
  if (user_prefix.empty()) usage("USER_PREFIX is required");
  if (targets.empty()) usage("at least one target");
  n = static_cast<size_t>(n_arg);
  if (n > UINT32_MAX) usage("N too large");
  const size_t given_targets = targets.size();

  rlimit rl{};  // one descriptor per socket: raise the soft limit as far as allowed
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < n + 16)
    fail("RLIMIT_NOFILE hard limit " + std::to_string(rl.rlim_cur) + " too low for " +
         std::to_string(n) + " sockets: use more processes");

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail_errno("epoll_create1");
  if (fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) < 0) fail_errno("stdin");
  epoll_event in{};
  in.events = EPOLLIN;
  in.data.u64 = kStdinKey;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in) < 0) fail_errno("stdin must be a pipe or tty");

  start_ns = now_ns();
  srand48(static_cast<long>(start_ns ^ getpid()));
  conns.resize(n);
  receipts.assign(n, 0);
  for (size_t i = 0; i < n; i++) {
    conns[i].target = static_cast<uint8_t>((first_index + i) % given_targets);
    connect_queue.push_back(static_cast<uint32_t>(i));
  }
  bool ready_said = false;
  const int64_t setup_deadline = start_ns + setup_s * 1'000 * kMs;
  int64_t next_stats = stats_every_ms > 0 ? start_ns + stats_every_ms * kMs : INT64_MAX;
  int64_t next_sweep = start_ns + kSweepNs;
  last_tick = start_ns;
  int64_t next_tick = start_ns;
  std::string stdin_buf;
  std::vector<epoll_event> events(1024);

  for (;;) {
    int64_t now = now_ns();
    while (!delayed.empty() && delayed.top().first <= now) {
      connect_queue.push_back(delayed.top().second);
      delayed.pop();
    }
    open_more();
    if (rate > 0 && now >= next_tick) {
      submit_tick(now);
      next_tick = now + kSubmitTickNs;
    }
    if (now >= next_stats) {
      say(stats_line());
      next_stats = now + stats_every_ms * kMs;
    }
    if (now >= next_sweep) {  // connects and handshakes that take too long
      for (uint32_t i = 0; i < n; i++) {
        Conn& c = conns[i];
        if (c.st == St::Connecting && now - c.since > kConnectTimeoutNs) connect_failed(i);
        else if (c.st == St::Handshake && !c.refused && !c.leaving &&
                 now - c.since > kHandshakeTimeoutNs)
          drop(i);
        else if (c.leaving && now - c.since > kLeaveTimeoutNs)
          leave(i);
      }
      next_sweep = now + kSweepNs;
      open_more();
    }
    if (!ready_said && (n_ready == n || now >= setup_deadline)) {
      ready_said = true;
      say("ready " + std::to_string(n_connected) + " " + std::to_string(n_authorized) + " " +
          std::to_string((now - start_ns) / kMs));
    }
    if (armed && now >= arm_deadline) say_receipts();

    int64_t wake = next_sweep;
    if (rate > 0 && next_tick < wake) wake = next_tick;
    if (next_stats < wake) wake = next_stats;
    if (!ready_said && setup_deadline < wake) wake = setup_deadline;
    if (armed && arm_deadline < wake) wake = arm_deadline;
    if (!delayed.empty() && delayed.top().first < wake) wake = delayed.top().first;
    if (!connect_queue.empty() && connecting < kMaxConnecting) wake = now;
    const int64_t left = wake - now_ns();
    const int timeout_ms = left <= 0 ? 0 : static_cast<int>((left + kMs - 1) / kMs);

    int k = epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (k < 0 && errno != EINTR) fail_errno("epoll_wait");
    for (int e = 0; e < k; e++) {
      const epoll_event& ev = events[static_cast<size_t>(e)];
      if (ev.data.u64 == kStdinKey) {
        if (!read_commands(stdin_buf, [](const std::string& line) { command(line); })) quit();
        continue;
      }
      const uint32_t i = static_cast<uint32_t>(ev.data.u64);
      Conn& c = conns[i];
      if (c.fd < 0) continue;  // closed earlier in this batch
      if (c.st == St::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) connect_failed(i);
        else connected(i);
        continue;
      }
      if ((ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !read_socket(i)) continue;
      if ((ev.events & EPOLLOUT) && c.fd >= 0) flush(i);
    }
    flush_dirty();
    if (armed && k > 0) usleep(500);
  }
}
