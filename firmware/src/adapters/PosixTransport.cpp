#include "PosixTransport.h"

#if !defined(ARDUINO)

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hypertcp {

bool PosixTransport::connect(const char* host, uint16_t port) {
  close();
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  char service[8];
  snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  if (getaddrinfo(host, service, &hints, &addresses_) != 0) addresses_ = nullptr;
  next_ = addresses_;
  uint32_t count = 0;
  for (const addrinfo* a = addresses_; a != nullptr; a = a->ai_next) count++;
  shareMs_ = count > 1 ? HYPERTCP_CONNECT_TIMEOUT_MS / count : HYPERTCP_CONNECT_TIMEOUT_MS;
  return connectNext();
}

// Addresses that fail at once (no socket for the family, refused, unreachable) are skipped here;
// one that fails later is left by connectStatus(), which then comes back here.
bool PosixTransport::connectNext() {
  while (next_ != nullptr) {
    const addrinfo* a = next_;
    next_ = a->ai_next;
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // frames are small and interactive
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc == 0 || errno == EINPROGRESS) {
        fd_ = fd;
        connected_ = rc == 0;
        startedAt_ = platformMillis();
        if (connected_) forgetAddresses();
        return true;
      }
    }
    ::close(fd);
  }
  forgetAddresses();
  return false;
}

void PosixTransport::forgetAddresses() {
  if (addresses_ != nullptr) freeaddrinfo(addresses_);
  addresses_ = next_ = nullptr;
}

ConnectStatus PosixTransport::connectStatus() {
  if (fd_ < 0) return ConnectStatus::Failed;
  if (connected_) return ConnectStatus::Connected;
  pollfd p = {fd_, POLLOUT, 0};
  int rc = ::poll(&p, 1, 0);
  // No answer within its share, and another address is left: give that one its turn.
  bool overdue = rc == 0 && next_ != nullptr && platformMillis() - startedAt_ >= shareMs_;
  if (rc == 0 && !overdue) return ConnectStatus::InProgress;
  int error = 0;
  socklen_t length = sizeof error;
  if (overdue || rc < 0 || getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
    ::close(fd_);  // this address failed: on to the next one, if any
    fd_ = -1;
    if (!connectNext()) return ConnectStatus::Failed;
    return connected_ ? ConnectStatus::Connected : ConnectStatus::InProgress;
  }
  connected_ = true;
  forgetAddresses();
  return ConnectStatus::Connected;
}

int PosixTransport::read(uint8_t* buffer, size_t length) {
  if (fd_ < 0) return -1;
  ssize_t n = ::recv(fd_, buffer, length, MSG_DONTWAIT);
  if (n > 0) return static_cast<int>(n);
  if (n == 0) return -1;  // orderly close by the peer
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

int PosixTransport::write(const uint8_t* buffer, size_t length) {
  if (fd_ < 0) return -1;
  ssize_t n = ::send(fd_, buffer, length, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return static_cast<int>(n);
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

void PosixTransport::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  connected_ = false;
  forgetAddresses();
}

}  // namespace hypertcp

#endif
