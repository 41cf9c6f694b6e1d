// Non-blocking TCP transport over POSIX sockets, for host tests and the simulator. Host names go
// through getaddrinfo() (which may block on DNS; numeric addresses never do).
#ifndef HYPERTCP_POSIX_TRANSPORT_H
#define HYPERTCP_POSIX_TRANSPORT_H

#if !defined(ARDUINO)

#include <stddef.h>
#include <stdint.h>

#include "../hypertcp/ClientCore.h"

namespace hypertcp {

class PosixTransport {
 public:
  PosixTransport() : fd_(-1), connected_(false) {}
  ~PosixTransport() { close(); }

  bool connect(const char* host, uint16_t port);
  ConnectStatus connectStatus();
  int read(uint8_t* buffer, size_t length);
  int write(const uint8_t* buffer, size_t length);
  void close();

  int fd() const { return fd_; }  // for poll() in event loops; -1 when closed

 private:
  PosixTransport(const PosixTransport&);
  PosixTransport& operator=(const PosixTransport&);

  int fd_;
  bool connected_;
};

}  // namespace hypertcp

#endif
#endif
