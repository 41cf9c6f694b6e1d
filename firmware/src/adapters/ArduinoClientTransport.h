// HyperTCPTransport<ClientT>: a transport over any Arduino Client (WiFiClient, EthernetClient,
// WiFiClientSecure, ...), the seed's name. Two calls may block, inside the Client and out of our
// hands: Client::connect() until the TCP (and TLS) handshake ends, bounded by the client's own
// timeout (e.g. setTimeout() on ESP32); and Client::write() while the socket has no room, i.e.
// when the broker or the link stops taking data: ESP32's WiFiClient::write() retries a 1 s
// select() up to 10 times (about 10 s) before it gives up, ESP8266's waits up to its timeout.
// Frames are small, so on a healthy link write() returns at once; read(), available() and
// connected() always do.
#ifndef HYPERTCP_ARDUINO_CLIENT_TRANSPORT_H
#define HYPERTCP_ARDUINO_CLIENT_TRANSPORT_H

#include <Client.h>
#include <stddef.h>
#include <stdint.h>

#include "../hypertcp/ClientCore.h"

template <class ClientT>
class HyperTCPTransport {
 public:
  explicit HyperTCPTransport(ClientT& client) : client_(client), connected_(false) {}

  bool connect(const char* host, uint16_t port) {
    client_.stop();
    connected_ = client_.connect(host, port) == 1;
    return connected_;
  }
  hypertcp::ConnectStatus connectStatus() {
    return connected_ && client_.connected() ? hypertcp::ConnectStatus::Connected : hypertcp::ConnectStatus::Failed;
  }
  int read(uint8_t* buffer, size_t length) {
    int available = client_.available();
    if (available <= 0) return client_.connected() ? 0 : -1;  // closed once drained
    size_t take = static_cast<size_t>(available) < length ? static_cast<size_t>(available) : length;
    int n = client_.read(buffer, take);
    return n < 0 ? 0 : n;
  }
  int write(const uint8_t* buffer, size_t length) {
    if (!client_.connected()) return -1;
    if (length > 0x7FFF) length = 0x7FFF;  // int is 16 bits on AVR
    return static_cast<int>(client_.write(buffer, length));
  }
  void close() {
    client_.stop();
    connected_ = false;
  }
  ClientT& client() { return client_; }

 private:
  ClientT& client_;
  bool connected_;
};

#endif
