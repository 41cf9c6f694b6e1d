// The device (client + UdpLink) with the broker's ends of both transports, for the UDP link tests
// and the UDP zero-heap check: TCP is the scripted transport, UDP a pair of in-memory queues to a
// broker-role UdpPeer holding the keys the login grant implies. Fixed arrays only.
#ifndef HYPERTCP_TEST_UDP_RIG_H
#define HYPERTCP_TEST_UDP_RIG_H

#include <stdio.h>
#include <string.h>

#include "scripted.h"
#include "udp/UdpCrypto.h"
#include "udp/UdpLink.h"

namespace udptest {
using namespace hypertcp::udp;

const char kToken[] = "secret-token-1234";  // what test::login() uses
const uint32_t kSid = 168496141;
const char kGrantReply[] =
    "{\"id\":\"lamp\",\"keepalive\":10,\"maxPayload\":16384,"
    "\"udp\":{\"port\":9000,\"sid\":168496141,\"nonce\":\"000102030405060708090a0b0c0d0e0f\"}}";

// One direction of an in-memory datagram path (fixed queue, no loss unless `blocked`).
struct Queue {
  uint8_t data[16][1500];
  size_t length[16];
  size_t count = 0;
  bool blocked = false;  // drop everything (the path is down)
  void push(const uint8_t* d, size_t n) {
    if (blocked || count == 16) return;
    memcpy(data[count], d, n);
    length[count++] = n;
  }
  int pop(uint8_t* out, size_t capacity) {
    if (count == 0 || length[0] > capacity) return -1;
    int n = static_cast<int>(length[0]);
    memcpy(out, data[0], length[0]);
    for (size_t i = 1; i < count; i++) memcpy(data[i - 1], data[i], length[i]), length[i - 1] = length[i];
    count--;
    return n;
  }
};

struct Link : DatagramLink {
  Queue* out = nullptr;
  Queue* in = nullptr;
  char host[80] = "";
  uint16_t port = 0;
  int opens = 0, closes = 0;
  bool send(const uint8_t* d, size_t n) override { return out->push(d, n), true; }
  int receive(uint8_t* b, size_t cap) override { return in->pop(b, cap); }
  bool open(const char* h, uint16_t p) override {
    snprintf(host, sizeof host, "%s", h);
    port = p;
    return ++opens, true;
  }
  void close() override { closes++; }
};

inline void fixedNonce(uint8_t nonce[16]) {
  for (int i = 0; i < 16; i++) nonce[i] = static_cast<uint8_t>(0x10 + i);
}

struct Received {
  int count = 0;
  uint8_t channel = 9;
  char text[1200] = "";
};
inline void onBrokerMessage(void* r, const uint8_t* data, size_t length, uint8_t channel) {
  Received& got = *static_cast<Received*>(r);
  got.count++;
  got.channel = channel;
  snprintf(got.text, sizeof got.text, "%.*s", static_cast<int>(length), reinterpret_cast<const char*>(data));
}

// The device (client + UdpLink) and the broker's ends of both transports.
struct Rig {
  test::Scripted tcp;
  test::Recorder client{tcp};
  Queue toBroker, toDevice;
  Link deviceLink, brokerLink;
  UdpLink udp{client, deviceLink};
  UdpPeer broker;
  Received atBroker;

  Rig() {
    deviceLink.out = &toBroker;
    deviceLink.in = &toDevice;
    brokerLink.out = &toDevice;
    brokerLink.in = &toBroker;
    udp.setNonceSource(fixedNonce);
  }
  // Broker role of PROTOCOL 9.1/9.2 with the grant's nonce and the device's fixed one.
  void startBroker() {
    uint8_t hash[32], server[16], device[16];
    hypertcp::udp::Sha256 sha;
    sha.update(reinterpret_cast<const uint8_t*>(kToken), strlen(kToken));
    sha.finish(hash);
    for (int i = 0; i < 16; i++) server[i] = static_cast<uint8_t>(i);
    fixedNonce(device);
    DirectionKey d2s, s2d;
    deriveDirectionKey(hash, server, device, kSid, "d2s", d2s);
    deriveDirectionKey(hash, server, device, kSid, "s2d", s2d);
    broker.begin(&brokerLink, kSid, s2d, d2s, nullptr, test::now);
    broker.onMessage(onBrokerMessage, &atBroker);
  }
  // Advances the fake clock, running both ends.
  void step(uint32_t ms) {
    for (uint32_t i = 0; i < ms; i++) {
      test::now++;
      client.run();
      broker.loop(test::now);
    }
  }
  bool loginAndOpen() {
    if (!test::login(client, tcp, false, kGrantReply)) return false;
    startBroker();
    step(20);
    return udp.up();
  }
};

}  // namespace udptest

#endif
