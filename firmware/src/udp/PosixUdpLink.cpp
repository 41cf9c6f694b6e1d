#if !defined(ARDUINO)

#include "PosixUdpLink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hypertcp {
namespace udp {

bool PosixUdpLink::open(const char* host, uint16_t port) {
  close();
  sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return false;
  fd_ = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd_ < 0) return false;
  // connect() filters: the kernel hands us only datagrams from the broker's address.
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || fcntl(fd_, F_SETFL, O_NONBLOCK) != 0) {
    close();
    return false;
  }
  return true;
}

void PosixUdpLink::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool PosixUdpLink::send(const uint8_t* data, size_t length) {
  return fd_ >= 0 && ::send(fd_, data, length, 0) == static_cast<ssize_t>(length);
}

int PosixUdpLink::receive(uint8_t* buffer, size_t capacity) {
  if (fd_ < 0) return -1;
  ssize_t n = recv(fd_, buffer, capacity, MSG_TRUNC);
  // A datagram larger than the buffer is dropped (MSG_TRUNC reports its real size).
  while (n > static_cast<ssize_t>(capacity)) n = recv(fd_, buffer, capacity, MSG_TRUNC);
  return n < 0 ? -1 : static_cast<int>(n);
}

}  // namespace udp
}  // namespace hypertcp

#endif
