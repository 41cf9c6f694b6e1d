// RTT sampling (as the broker's electron/udp/sender.ts): a device and a broker-role UdpPeer over an
// in-memory path with a fixed delay each way. Every acknowledged packet is a sample the first time
// an ACK names it, from its own send time: a reliable message's packets through its send slot,
// PINGs and unreliable messages through the last HYPERTCP_UDP_RTT_PROBES of them, a packet declared
// lost through its suspect. Also built with HYPERTCP_UDP_IDLE_DUPLICATES=0 (test/udp.mk, udp-nodup).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "udp/UdpPeer.h"
#include "udp_pair.h"

using namespace hypertcp::udp;

namespace {

int delivered = 0, failed = 0;
void onDone(void*, uint32_t, bool ok) { ok ? delivered++ : failed++; }

// One direction: each datagram arrives `delay` ms after it was sent, in order (nothing is lost
// unless `drop` is set).
struct DelayLink : DatagramLink {
  struct Item {
    uint32_t at;
    size_t length;
    uint8_t data[1500];
  };
  Item items[64];
  size_t head = 0, count = 0;
  const uint32_t* now = nullptr;
  uint32_t delay = 1;
  bool drop = false;
  bool send(const uint8_t* d, size_t n) override {
    CHECK(count < 64);
    if (drop || count == 64) return true;
    Item& it = items[(head + count++) % 64];
    it.at = *now + delay;
    it.length = n;
    memcpy(it.data, d, n);
    return true;
  }
  int receive(uint8_t*, size_t) override { return -1; }  // the net hands datagrams over itself
  void deliverDue(UdpPeer& to, uint32_t nowMs) {
    while (count > 0 && items[head].at <= nowMs) {
      to.receiveDatagram(items[head].data, items[head].length, nowMs);
      head = (head + 1) % 64, count--;
    }
  }
};

struct Net {
  uint32_t now = 1000;
  DelayLink up, down;  // device -> broker, broker -> device
  UdpPeer device, broker;

  // The HELLO goes and its ACK comes back at 1 ms each way: the first sample is 2 ms.
  Net() {
    up.now = down.now = &now;
    udptest::beginPair(device, &up, broker, &down, now);
    device.onDone(onDone, nullptr);
    delivered = failed = 0;
    run(10);
    CHECK(device.established());
    CHECK_EQ(device.srttMs(), 2);
  }
  void setDelay(uint32_t upMs, uint32_t downMs) { up.delay = upMs, down.delay = downMs; }
  // One millisecond: datagrams due arrive, the broker acknowledges at once (ACK delay 0), the device runs.
  void tick() {
    now++;
    up.deliverDue(broker, now);
    broker.loop(now);
    down.deliverDue(device, now);
    device.loop(now);
  }
  void run(uint32_t ms) {
    for (uint32_t i = 0; i < ms; i++) tick();
  }
  bool send(uint8_t channel) { return device.send(reinterpret_cast<const uint8_t*>("{\"n\":1}"), 7, channel, now); }
};

Net& fresh() { return udptest::freshStatic<Net>(); }

}  // namespace

TEST(udp_rtt_converges_under_load_from_every_first_transmission) {
  // The path's delay rises to 16 ms (still under the 20 ms RTO floor: no timeouts) while a
  // reliable message leaves every 4 ms, so 4 are always in flight and a newer packet has left
  // before any ACK comes back. Each ACK is a sample: SRTT goes from 2 ms to 16 ms.
  Net& n = fresh();
  n.setDelay(8, 8);
  int sent = 0;
  for (int ms = 0; ms < 400; ms++) {
    n.tick();
    if (ms % 4 == 0 && n.send(kReliableOrdered)) sent++;
    // While loaded, not at the end: the last packet alone would be a sample for any scheme.
    if (ms == 300) {
      printf("  under load: %d messages sent, %d delivered, srtt %u ms\n", sent, delivered, n.device.srttMs());
      CHECK(n.device.srttMs() >= 15 && n.device.srttMs() <= 16);
    }
  }
  n.run(50);
  CHECK_EQ(sent, 100);
  CHECK_EQ(delivered, 100);
  CHECK_EQ(failed, 0);
  CHECK_EQ(n.device.counters().retransmits, 0);
  CHECK(n.device.srttMs() >= 15 && n.device.srttMs() <= 16);
}

TEST(udp_rtt_samples_a_stream_of_unreliable_messages) {
  // Unreliable messages every 5 ms over a 16 ms path: 4 leave per RTT, what the probe ring
  // (HYPERTCP_UDP_RTT_PROBES, 4 by default) holds, so each ACK still finds its packet's send time.
  Net& n = fresh();
  n.setDelay(8, 8);
  for (int ms = 0; ms < 300; ms++) {
    n.tick();
    if (ms % 5 == 0) CHECK(n.send(kUnreliable));
  }
  printf("  unreliable stream: srtt %u ms (probe ring %d)\n", n.device.srttMs(), HYPERTCP_UDP_RTT_PROBES);
  CHECK(n.device.srttMs() >= 15 && n.device.srttMs() <= 16);
}

TEST(udp_rtt_times_each_transmission_from_when_it_left) {
  // A message whose ACK is late: the RTO (20 ms floor) resends it under a new packet number at
  // +20 ms. The original's ACK (+25 ms) is timed from the original (25 ms, not 5 ms from the
  // retransmission) and delivers the message; the retransmission's ACK (+35 ms) is then no sample
  // (not 35 ms from the original), nor is an ACK naming an already-sampled packet again. Then a
  // message whose first transmission is lost: its retransmission's ACK is timed from the
  // retransmission. SRTT/RTTVAR by RFC 6298 from 2 ms (var 1 ms).
  Net& n = fresh();
  n.setDelay(25, 0);
  uint32_t t0 = n.now;
  CHECK(n.send(kReliableOrdered));
  n.setDelay(15, 0);  // the retransmission arrives at +35 ms, after the original's ACK
  while (n.now < t0 + 25) n.tick();
  CHECK_EQ(n.device.counters().retransmits, 1);
  // 25 ms: srtt 0.875 * 2 + 0.125 * 25 = 4.875 (a 5 ms sample would give 2.375).
  CHECK_EQ(n.device.counters().spuriousRetransmits, HYPERTCP_UDP_IDLE_DUPLICATES > 0 ? 2 : 1);
  CHECK_EQ(n.device.srttMs(), 4);
  CHECK_EQ(delivered, 1);  // the original arrived: its late ACK settles the message
  while (n.now < t0 + 35) n.tick();
  // 35 ms from the original would give srtt 0.875 * 4.875 + 0.125 * 35 = 8.6.
  CHECK_EQ(delivered, 1);
  CHECK_EQ(n.device.srttMs(), 4);
  // The broker's heartbeat PING carries an ACK naming the same packet again: no new sample.
  n.setDelay(1, 1);
  uint32_t sentBefore = n.broker.counters().packetsSent;
  for (int ms = 0; ms < 3000 && n.broker.counters().packetsSent == sentBefore; ms++) n.tick();
  CHECK_EQ(n.broker.counters().packetsSent, sentBefore + 1);
  n.run(3);
  CHECK_EQ(n.device.srttMs(), 4);
  CHECK_EQ(n.device.counters().retransmits, 1);
  // The first transmission lost; the RTO (srtt 4.875 + 4 x rttvar 6.5) resends it at +30 ms, whose
  // ACK comes 20 ms later: srtt 0.875 * 4.875 + 0.125 * 20 = 6.8 (50 ms from the original: 10.5).
  n.setDelay(10, 10);
  n.up.drop = true;
  CHECK(n.send(kReliableOrdered));
  n.up.drop = false;
  n.run(60);
  CHECK_EQ(n.device.counters().retransmits, 2);
  CHECK_EQ(delivered, 2);
  CHECK_EQ(n.device.srttMs(), 6);
}
