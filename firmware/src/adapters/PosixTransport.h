// Non-blocking TCP transport over POSIX sockets, for host tests and the simulator. Host names go
// through getaddrinfo() (which may block on DNS; numeric addresses never do); its addresses are
// tried in turn, the next one when a connection is refused or fails (e.g. "localhost" as ::1
// first against a broker listening on IPv4 only), or when one has not answered within its share
// of HYPERTCP_CONNECT_TIMEOUT_MS (an address whose SYNs are dropped never fails by itself), until
// one connects. The last address left keeps trying until the client's deadline.
#ifndef HYPERTCP_POSIX_TRANSPORT_H
#define HYPERTCP_POSIX_TRANSPORT_H

#if !defined(ARDUINO)

#include <stddef.h>
#include <stdint.h>

#include "../hypertcp/ClientCore.h"

struct addrinfo;

namespace hypertcp {

class PosixTransport {
 public:
  PosixTransport() : fd_(-1), connected_(false), addresses_(nullptr), next_(nullptr), startedAt_(0), shareMs_(0) {}
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
  bool connectNext();  // starts a connection to the next address left; false when none is
  void forgetAddresses();

  int fd_;
  bool connected_;
  ::addrinfo* addresses_;  // getaddrinfo's list, kept until one address connects or close()
  ::addrinfo* next_;       // the next address to try
  uint32_t startedAt_;     // platformMillis() when the current address was tried
  uint32_t shareMs_;       // how long each address but the last may take
};

}  // namespace hypertcp

#endif
#endif
