// The device's flight within the broker's replay window (docs/PROTOCOL.md 9.5, Flight): the broker
// drops as a replay a packet more than kWindowSize (64) below the newest it has seen, so the device
// never sends a packet number more than 64 past the latest transmission of a reliable message still
// in flight. Before, unreliable messages (telemetry, sent at the sketch's rate) went out with no
// limit: a reliable message's packet overtaken by 64 of them was dropped by the broker although the
// device still waited for its ACK. A device-role and a broker-role UdpPeer, every datagram carried
// by hand. Also built with HYPERTCP_UDP_IDLE_DUPLICATES=0 (test/udp.mk, udp-nodup).
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "udp/UdpPeer.h"
#include "udp_pair.h"

using namespace hypertcp::udp;

namespace {

const uint32_t kCopies = HYPERTCP_UDP_IDLE_DUPLICATES > 0 ? 2 : 1;

struct Rig : udptest::PeerRig<256> {
  Rig() {
    carry(0, fromDevice.count);  // the HELLO
    now += 2;
    ackBack();
  }
  bool send(uint8_t channel) { return device.send(reinterpret_cast<const uint8_t*>("{\"n\":1}"), 7, channel, now); }
  void carry(size_t from, size_t to) {
    for (size_t i = from; i < to; i++) broker.receiveDatagram(fromDevice.data[i], fromDevice.length[i], now);
  }
};

Rig* fresh() { return &udptest::freshStatic<Rig>(); }

}  // namespace

TEST(udp_flight_stays_within_the_brokers_replay_window) {
  Rig& r = *fresh();
  // A reliable message whose packets are held up on the way (reordering).
  size_t held = r.fromDevice.count;
  CHECK(r.send(kReliableOrdered));
  size_t after = r.fromDevice.count;
  CHECK_EQ(after - held, kCopies);
  // Telemetry at the sketch's rate meanwhile: taken while its packet numbers stay within 64 of the
  // reliable message's, then refused (the link sends it over TCP), a reliable message too.
  int taken = 0;
  for (int i = 0; i < 100; i++) taken += r.send(kUnreliable) ? 1 : 0;
  CHECK_EQ(taken, 64 - (kCopies - 1));
  CHECK(!r.send(kReliableOrdered));
  CHECK_EQ(r.device.freeSlots(), HYPERTCP_UDP_SEND_SLOTS - 1);
  // They overtake it; then it arrives: within the broker's window, taken and acknowledged.
  r.now += 1;
  r.carry(after, r.fromDevice.count);
  r.carry(held, after);
  CHECK_EQ(r.broker.counters().replays, 0);
  r.ackBack();
  CHECK_EQ(r.delivered, 1);
  CHECK_EQ(r.failed, 0);
  // The window has moved on with the ACK: the device sends again.
  CHECK(r.send(kUnreliable));
  CHECK(r.send(kReliableOrdered));
  CHECK(!r.device.closed());
}

TEST(udp_ack_only_packets_stay_within_the_brokers_replay_window_on_a_reordering_link) {
  // ACK-only packets take packet numbers too. A reliable message's packets are held up on the way
  // while the broker streams unreliable messages to the device: each loop() acknowledges them in an
  // ACK-only packet. Before, those went on past 64 and the broker then dropped the held packets as
  // replays (a loss the device made itself). On a link seen to reorder, an ACK-only packet now
  // waits while it would pass the window of a packet sent less than SRTT + 4 RTTVAR ago.
  Rig& r = *fresh();
  // The device sees the link reorder: two broker datagrams arrive in reverse order.
  size_t b = r.fromBroker.count;
  CHECK(r.broker.send(reinterpret_cast<const uint8_t*>("{\"t\":0}"), 7, kUnreliable, r.now));
  CHECK(r.broker.send(reinterpret_cast<const uint8_t*>("{\"t\":1}"), 7, kUnreliable, r.now));
  r.device.receiveDatagram(r.fromBroker.data[b + 1], r.fromBroker.length[b + 1], r.now);
  r.device.receiveDatagram(r.fromBroker.data[b], r.fromBroker.length[b], r.now);
  r.device.loop(r.now);
  r.carry(r.fromDevice.count - 1, r.fromDevice.count);
  size_t held = r.fromDevice.count;
  CHECK(r.send(kReliableOrdered));
  size_t after = r.fromDevice.count;
  for (int i = 0; i < 100; i++) {
    size_t at = r.fromBroker.count;
    CHECK(r.broker.send(reinterpret_cast<const uint8_t*>("{\"t\":2}"), 7, kUnreliable, r.now));
    r.device.receiveDatagram(r.fromBroker.data[at], r.fromBroker.length[at], r.now);
    r.device.loop(r.now);
  }
  size_t acks = r.fromDevice.count - after;
  CHECK(acks < 100);  // before: 100, the last 36 past the window
  // They overtake the held packets; then these arrive: within the broker's window, taken.
  r.carry(after, r.fromDevice.count);
  r.carry(held, after);
  CHECK_EQ(r.broker.counters().replays, 0);  // before: kCopies
  r.ackBack();
  CHECK_EQ(r.delivered, 1);
  // Later loops acknowledge what waited.
  r.now += 10;
  size_t before = r.fromDevice.count;
  r.device.loop(r.now);
  CHECK(r.fromDevice.count > before);
  CHECK(!r.device.closed());
}
