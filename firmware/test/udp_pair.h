// Fixed test keys for a device-role and a broker-role UdpPeer of session 42 (the peer tests).
#ifndef HYPERTCP_TEST_UDP_PAIR_H
#define HYPERTCP_TEST_UDP_PAIR_H

#include <string.h>

#include <new>

#include "udp/UdpPeer.h"

namespace udptest {

// The device's sending key (d2s): what the broker opens the device's datagrams with.
inline hypertcp::udp::DirectionKey deviceSendKey() {
  hypertcp::udp::DirectionKey k;
  memset(&k, 0x11, sizeof k);
  return k;
}

// The broker's sending key (s2d): what the device opens the broker's datagrams with.
inline hypertcp::udp::DirectionKey brokerSendKey() {
  hypertcp::udp::DirectionKey k;
  memset(&k, 0x22, sizeof k);
  return k;
}

// Records every datagram a peer sends, up to N; nothing arrives by itself (the test carries them).
template <size_t N>
struct RecordingLink : hypertcp::udp::DatagramLink {
  uint8_t data[N][1500];
  size_t length[N];
  size_t count = 0;
  bool send(const uint8_t* d, size_t n) override {
    if (count < N) memcpy(data[count], d, n), length[count++] = n;
    return true;
  }
  int receive(uint8_t*, size_t) override { return -1; }
};

// Starts both ends: the device sends its HELLO through deviceLink at once.
inline void beginPair(hypertcp::udp::UdpPeer& device, hypertcp::udp::DatagramLink* deviceLink, hypertcp::udp::UdpPeer& broker,
                      hypertcp::udp::DatagramLink* brokerLink, uint32_t now) {
  hypertcp::udp::DirectionKey d2s = deviceSendKey(), s2d = brokerSendKey();
  uint8_t nonce[16];
  memset(nonce, 0x33, sizeof nonce);
  device.begin(deviceLink, 42, d2s, s2d, nonce, now);
  broker.begin(brokerLink, 42, s2d, d2s, nullptr, now);
}

/**
 * A device-role and a broker-role peer, every datagram carried by hand (the HELLO is left in
 * fromDevice for the test to carry), and the device's delivery reports counted.
 */
template <size_t N>
struct PeerRig {
  uint32_t now = 1000;
  RecordingLink<N> fromDevice, fromBroker;
  hypertcp::udp::UdpPeer device, broker;
  int delivered = 0, failed = 0;

  PeerRig() {
    beginPair(device, &fromDevice, broker, &fromBroker, now);
    device.onDone(countDone, this);
  }
  static void countDone(void* rig, uint32_t, bool ok) {
    PeerRig& r = *static_cast<PeerRig*>(rig);
    ok ? r.delivered++ : r.failed++;
  }
  // Runs the broker's loop() (its pending ACK) and hands what it sends to the device.
  void ackBack() {
    size_t before = fromBroker.count;
    broker.loop(now);
    for (size_t i = before; i < fromBroker.count; i++) device.receiveDatagram(fromBroker.data[i], fromBroker.length[i], now);
  }
};

/**
 * A fresh T in static storage: peers are too big for the stack and the tests use no heap. The
 * previous one made here for T is destroyed first.
 */
template <class T, class... Args>
T& freshStatic(Args... args) {
  alignas(T) static unsigned char storage[sizeof(T)];
  static T* last = nullptr;
  if (last) last->~T();
  last = new (storage) T(args...);
  return *last;
}

}  // namespace udptest

#endif
