// DatagramLink over an Arduino UDP object (WiFiUDP, EthernetUDP): any class with beginPacket(),
// write(), endPacket(), parsePacket(), read(), remoteIP(), remotePort(). Datagrams from anyone but
// the broker are read and discarded.
#ifndef HYPERTCP_UDP_ARDUINO_LINK_H
#define HYPERTCP_UDP_ARDUINO_LINK_H

#include "UdpPeer.h"

namespace hypertcp {
namespace udp {

template <class UDP, class Address>
class ArduinoUdpLink : public DatagramLink {
 public:
  ArduinoUdpLink(UDP& socket, const Address& broker, uint16_t port)
      : udp_(socket), configured_(broker), broker_(broker), port_(port) {}

  // host: the broker the TCP session is logged in to (after a REDIRECT, the new one). When it is
  // an IP address (Address::fromString, as IPAddress has), datagrams go there; when it is a name,
  // to the address given to the constructor (pass the broker's IP). The grant's port replaces the
  // constructor's. Starts listening on a local port.
  bool open(const char* host, uint16_t port) override {
    Address parsed;
    broker_ = host != nullptr && parsed.fromString(host) ? parsed : configured_;
    port_ = port;
    return udp_.begin(0) != 0;
  }
  void close() override { udp_.stop(); }

  bool send(const uint8_t* data, size_t length) override {
    if (!udp_.beginPacket(broker_, port_)) return false;
    udp_.write(data, length);
    return udp_.endPacket() != 0;
  }

  int receive(uint8_t* buffer, size_t capacity) override {
    for (;;) {
      int size = udp_.parsePacket();
      if (size <= 0) return -1;
      bool fromBroker = udp_.remoteIP() == broker_ && udp_.remotePort() == port_;
      if (!fromBroker || static_cast<size_t>(size) > capacity) {
        while (udp_.read(buffer, capacity) > 0) {
        }
        continue;
      }
      return udp_.read(buffer, static_cast<size_t>(size));
    }
  }

 private:
  UDP& udp_;
  Address configured_;  // the constructor's address, for a broker known by name
  Address broker_;
  uint16_t port_;
};

}  // namespace udp
}  // namespace hypertcp

#endif
