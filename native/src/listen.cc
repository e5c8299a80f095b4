// Stratum listeners for a node of several processes (topology/processes.ts): each process binds
// the one port with SO_REUSEPORT, so the kernel deals connections to them. Node 20's net module
// cannot set the option; the socket is made here and handed to net.Server.listen({ fd }).
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace colliery {

int bind_reuse_port(const std::string& host, uint16_t port, bool listen_now, int backlog,
                    std::string& error) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    error = "not a numeric IPv4 or IPv6 address";
    return -EINVAL;
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int e = errno;
    error = std::string("socket: ") + strerror(e);
    return -e;
  }
  const int one = 1;
  const int zero = 0;
  const char* step = nullptr;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    step = "SO_REUSEADDR";
  else if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    step = "SO_REUSEPORT";
  else if (family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr) &&
           ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0)
    step = "IPV6_V6ONLY";
  else if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    step = "bind";
  else if (listen_now && ::listen(fd, backlog) != 0)
    step = "listen";
  if (step != nullptr) {
    const int e = errno;
    ::close(fd);
    error = std::string(step) + ": " + strerror(e);
    return -e;
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -errno;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

}  // namespace colliery
