// DatagramLink over a POSIX UDP socket connected to the broker (host tests, simulator).
#ifndef HYPERTCP_UDP_POSIX_LINK_H
#define HYPERTCP_UDP_POSIX_LINK_H

#if !defined(ARDUINO)

#include "UdpPeer.h"

namespace hypertcp {
namespace udp {

class PosixUdpLink : public DatagramLink {
 public:
  PosixUdpLink() : fd_(-1) {}
  ~PosixUdpLink() override { close(); }
  // Numeric IPv4 host; the socket only accepts datagrams from that address and port.
  bool open(const char* host, uint16_t port) override;
  void close() override;
  bool send(const uint8_t* data, size_t length) override;
  int receive(uint8_t* buffer, size_t capacity) override;
  int fd() const { return fd_; }

 private:
  PosixUdpLink(const PosixUdpLink&);
  PosixUdpLink& operator=(const PosixUdpLink&);
  int fd_;
};

}  // namespace udp
}  // namespace hypertcp

#endif
#endif
