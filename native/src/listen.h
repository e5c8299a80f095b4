#pragma once
#include <cstdint>
#include <string>

namespace colliery {

/**
 * A TCP socket bound to host:port with SO_REUSEPORT (and SO_REUSEADDR), non-blocking and
 * close-on-exec, listening with `backlog` when `listen_now`: several processes of one node each
 * bind the same port and the kernel spreads new connections over their listeners by a hash of
 * the connection's addresses (no process hands sockets to another). `host` is a numeric IPv4 or
 * IPv6 address; an IPv6 wildcard also takes IPv4. Returns the fd, or -errno with `error` saying
 * which step failed and why.
 */
int bind_reuse_port(const std::string& host, uint16_t port, bool listen_now, int backlog,
                    std::string& error);

/** The local port `fd` is bound to, or -errno. */
int bound_port(int fd);

}  // namespace colliery
