// Spurious retransmissions (as the broker's electron/udp/loss-suspects.test.ts): a device and a
// broker-role UdpPeer with every datagram carried by hand. A packet the timeout declared lost counts
// in `lost` only once an ACK proves it lost; a late ACK of it counts in `spuriousRetransmits` and
// delivers its message.
// Also built with HYPERTCP_UDP_IDLE_DUPLICATES=0 (test/udp.mk, udp-nodup).
#include <stdint.h>
#include <stdio.h>
#include <string.h>


#include "check.h"
#include "udp/UdpPeer.h"
#include "udp_pair.h"

using namespace hypertcp::udp;

namespace {

const uint32_t kCopies = HYPERTCP_UDP_IDLE_DUPLICATES > 0 ? 2 : 1;

struct Rig : udptest::PeerRig<64> {
  size_t carried = 0;  // device datagrams handed to the broker so far

  // HELLO carried and answered 2 ms later: an RTT of 2 ms, the RTO on its 20 ms floor.
  Rig() {
    carryToBroker();
    now += 2;
    ackBack();
  }
  void send() { CHECK(device.send(reinterpret_cast<const uint8_t*>("{\"n\":1}"), 7, kReliableOrdered, now)); }
  // Hands the device's datagrams not yet carried, up to index `until`, to the broker (or drops them).
  void carryToBroker(bool drop = false, size_t until = SIZE_MAX) {
    for (; carried < fromDevice.count && carried < until; carried++)
      if (!drop) broker.receiveDatagram(fromDevice.data[carried], fromDevice.length[carried], now);
  }
  // Runs the device alone until it has retransmitted `n` times in all (at most 2 s).
  void idleUntilRetransmits(uint32_t n) {
    for (int ms = 0; ms < 2000 && device.counters().retransmits < n; ms++) device.loop(++now);
    CHECK_EQ(device.counters().retransmits, n);
  }
};

Rig* fresh() { return &udptest::freshStatic<Rig>(); }

}  // namespace

TEST(udp_late_ack_of_a_timed_out_packet_is_spurious_not_lost) {
  Rig& r = *fresh();
  r.send();
  size_t originals = r.fromDevice.count;
  // The broker is busy: nothing it is sent is read before the device's RTO (20 ms) fires.
  r.idleUntilRetransmits(1);
  uint32_t srttBefore = r.device.srttMs();
  r.now += 25;
  r.carryToBroker(false, originals);  // the broker reads the originals at last, and answers at once
  r.ackBack();
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
  CHECK_EQ(r.device.counters().lost, 0);
  // The late ACK is a true RTT sample (about 45 ms): the estimate rises.
  CHECK(r.device.srttMs() > srttBefore);
  r.carryToBroker();
  r.ackBack();
  CHECK_EQ(r.delivered, 1);
  CHECK_EQ(r.device.counters().retransmits, 1);
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
  CHECK_EQ(r.device.counters().lost, 0);
}

TEST(udp_ack_of_the_retransmission_alone_proves_the_loss) {
  Rig& r = *fresh();
  r.send();
  r.carryToBroker(true);  // dropped on the way
  r.idleUntilRetransmits(1);
  CHECK_EQ(r.device.counters().lost, 0);  // declared, not yet proven
  r.carryToBroker();
  r.ackBack();
  CHECK_EQ(r.delivered, 1);
  CHECK_EQ(r.device.counters().lost, kCopies);
  CHECK_EQ(r.device.counters().spuriousRetransmits, 0);
}

TEST(udp_loss_suspects_are_bounded) {
  // Every slot in flight and nothing answered for two timeouts: more packets are declared lost
  // than there are suspect slots, so the oldest give way, uncounted: nothing proved them lost
  // (before, they counted as lost, and here every one of them arrives).
  Rig& r = *fresh();
  for (int i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) r.send();
  r.idleUntilRetransmits(HYPERTCP_UDP_SEND_SLOTS);
  // Every packet after the HELLO until now carries a message; the second timeout declares them all.
  int declared = static_cast<int>(r.fromDevice.count - r.carried);
  r.idleUntilRetransmits(2 * HYPERTCP_UDP_SEND_SLOTS);
  int lostEarly = static_cast<int>(r.device.counters().lost);
  printf("  %d packets declared lost, %d counted lost before any ACK (suspect slots: %d)\n", declared, lostEarly,
         HYPERTCP_UDP_LOSS_SUSPECTS);
  CHECK_EQ(lostEarly, 0);
  // Everything arrives late: every suspect still held is proven spurious, none counts as lost.
  r.carryToBroker();
  r.ackBack();
  CHECK_EQ(r.device.counters().spuriousRetransmits, declared > HYPERTCP_UDP_LOSS_SUSPECTS ? HYPERTCP_UDP_LOSS_SUSPECTS : declared);
  CHECK_EQ(r.device.counters().lost, 0);
  CHECK_EQ(r.delivered, HYPERTCP_UDP_SEND_SLOTS);
  CHECK_EQ(r.failed, 0);
}

TEST(udp_undecided_suspects_count_as_lost_when_the_session_ends) {
  Rig& r = *fresh();
  r.send();
  r.idleUntilRetransmits(1);
  r.device.close("test", r.now);
  CHECK_EQ(r.device.counters().lost, kCopies);
}

// One message overtaken on the way by three later ones: those arrive (1 ms later) and are
// acknowledged, while the first message's datagrams [first, end) are held back for deliverLate().
struct Overtaken {
  size_t first, end;
};
static Overtaken sendOvertakenByThree(Rig& r) {
  r.send();  // the message that will be overtaken
  Overtaken o{r.carried, r.fromDevice.count};
  for (int i = 0; i < 3; i++) r.send();
  r.carried = o.end;  // held back on the way
  r.now += 1;
  r.carryToBroker();
  r.ackBack();
  return o;
}

static void deliverLate(Rig& r, Overtaken o) {
  for (size_t i = o.first; i < o.end; i++) r.broker.receiveDatagram(r.fromDevice.data[i], r.fromDevice.length[i], r.now);
}

TEST(udp_late_ack_of_a_reordered_packet_delivers_its_message_and_spends_no_retry) {
  // The message's packets are overtaken by three later ones: the device declares them lost (packet
  // threshold) and sends the message again; then the originals arrive after all. Their late ACK
  // delivers the message: before, only an ACK of the newest copy did, so on a link that reorders
  // the same message could be declared lost again and again until its retries ran out.
  Rig& r = *fresh();
  const Overtaken late = sendOvertakenByThree(r);
  CHECK_EQ(r.delivered, 3);
  r.device.loop(++r.now);  // three later packets acknowledged: declared lost, sent again
  CHECK_EQ(r.device.counters().retransmits, 1);
  size_t retransmission = r.fromDevice.count;
  CHECK(retransmission > r.carried);
  r.now += 1;
  deliverLate(r, late);
  r.ackBack();
  CHECK_EQ(r.delivered, 4);
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
  CHECK_EQ(r.device.counters().lost, 0);
  // The retransmission is lost on the way; later traffic goes through: nothing is sent again.
  r.carryToBroker(true);
  for (int i = 0; i < 3; i++) r.send();
  r.carryToBroker();
  r.now += 1;
  r.ackBack();
  for (int ms = 0; ms < 100; ms++) r.device.loop(++r.now);
  CHECK_EQ(r.device.counters().retransmits, 1);
  CHECK_EQ(r.delivered, 7);
  CHECK_EQ(r.failed, 0);
  CHECK(!r.device.closed());
}

// Makes the device see the link reorder: two broker datagrams handed over in reverse order.
static void reorderTwoFromBroker(Rig& r) {
  size_t before = r.fromBroker.count;
  CHECK(r.broker.send(reinterpret_cast<const uint8_t*>("{\"t\":1}"), 7, kUnreliable, r.now));
  CHECK(r.broker.send(reinterpret_cast<const uint8_t*>("{\"t\":2}"), 7, kUnreliable, r.now));
  CHECK_EQ(r.fromBroker.count, before + 2);
  r.device.receiveDatagram(r.fromBroker.data[before + 1], r.fromBroker.length[before + 1], r.now);
  r.device.receiveDatagram(r.fromBroker.data[before], r.fromBroker.length[before], r.now);
  r.carryToBroker();  // the device's ACK
}

TEST(udp_packet_threshold_widens_when_a_declaration_proves_spurious) {
  // The same reordering twice: a message overtaken by three later ones. The first time it is
  // declared lost (RFC 9002's threshold, 3) and its late ACK proves that spurious; the threshold
  // widens to the distance seen (as the broker's Sender), so the second time nothing is resent.
  Rig& r = *fresh();
  for (int round = 0; round < 2; round++) {
    const Overtaken late = sendOvertakenByThree(r);
    r.device.loop(++r.now);
    r.now += 1;
    deliverLate(r, late);
    r.ackBack();
    r.carryToBroker();  // a retransmission, if any
    r.ackBack();
    CHECK_EQ(r.device.counters().retransmits, 1);  // before: 2 (round 2 declared it lost again)
  }
  CHECK_EQ(r.delivered, 8);
  CHECK_EQ(r.device.counters().lost, 0);
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
}

TEST(udp_on_a_reordering_link_an_overtaken_packet_is_not_counted_lost) {
  // The link is seen to reorder. A message is overtaken by three later ones and declared lost; its
  // retransmission overtakes it too and is acknowledged first. Before, that ACK (of a packet sent
  // after the declaration, leaving the original out) counted the original lost; it was only late:
  // now such an ACK proves a loss only once the packet is older than SRTT + 4 RTTVAR (here about
  // 3 ms; the device has no time threshold to widen, unlike the broker).
  Rig& r = *fresh();
  reorderTwoFromBroker(r);
  const Overtaken late = sendOvertakenByThree(r);
  r.device.loop(r.now);  // declared lost, sent again
  CHECK_EQ(r.device.counters().retransmits, 1);
  r.carryToBroker();  // the retransmission arrives first, 1 ms after the original left
  r.ackBack();
  CHECK_EQ(r.delivered, 4);
  CHECK_EQ(r.device.counters().lost, 0);  // before: kCopies
  r.now += 1;
  deliverLate(r, late);
  r.ackBack();
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
  CHECK_EQ(r.device.counters().lost, 0);
}

// A loss the device recovers from by itself: the message's packets are dropped, the RTO resends
// it, and the ACK of the retransmission (sent after the declaration) ends the recovery.
static void cleanRecovery(Rig& r) {
  uint32_t resent = r.device.counters().retransmits;
  r.send();
  r.carryToBroker(true);
  r.idleUntilRetransmits(resent + 1);
  r.carryToBroker();
  r.ackBack();
  // All carried: the recordings (64 datagrams each way) start again.
  r.fromDevice.count = r.carried = 0;
  r.fromBroker.count = 0;
}

TEST(udp_a_widened_packet_threshold_goes_back_to_3_after_16_clean_recoveries) {
  // As RACK's reorder window (RFC 8985 6.2): one spurious declaration widens the threshold; 16 loss
  // recoveries with nothing seen to reorder take it back. Before, it stayed widened for the whole
  // session: with at most 8 slots in flight, every later loss then waited for the RTO.
  Rig& r = *fresh();
  const Overtaken late = sendOvertakenByThree(r);
  r.device.loop(++r.now);  // declared lost (packet threshold 3), sent again
  r.now += 1;
  deliverLate(r, late);
  r.ackBack();  // spurious: the threshold widens
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
  const uint8_t widened = r.device.packetThreshold();
  CHECK(widened > 3);
  CHECK(r.device.reorders());
  r.carryToBroker();
  r.ackBack();
  for (int i = 0; i < 15; i++) cleanRecovery(r);
  CHECK_EQ(r.device.packetThreshold(), widened);  // not before the 16th
  CHECK(r.device.reorders());
  cleanRecovery(r);
  CHECK_EQ(r.device.packetThreshold(), 3);
  CHECK(!r.device.reorders());
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);
  CHECK_EQ(r.failed, 0);
}

TEST(udp_the_reordered_flag_clears_the_same_way_and_each_reordering_starts_the_count_again) {
  Rig& r = *fresh();
  reorderTwoFromBroker(r);
  CHECK(r.device.reorders());
  for (int i = 0; i < 15; i++) cleanRecovery(r);
  reorderTwoFromBroker(r);  // the link still reorders: 16 more are needed
  for (int i = 0; i < 15; i++) cleanRecovery(r);
  CHECK(r.device.reorders());
  cleanRecovery(r);
  CHECK(!r.device.reorders());
  CHECK_EQ(r.failed, 0);
}

TEST(udp_an_older_ack_after_a_timeout_keeps_the_suspects_and_their_backoff) {
  // On a reordering link the RTO declares a message's packets lost; then an ACK older than them
  // arrives (largest below their numbers), then the one that covers them. Before, the older ACK's
  // unsigned distance to them wrapped: they were dropped uncounted (the broker keeps them), and
  // the covering ACK neither counted them spurious nor undid the timeout's doubled backoff.
  Rig& r = *fresh();
  reorderTwoFromBroker(r);
  r.send();
  const size_t originals = r.fromDevice.count;
  // The broker sends before it reads the message: its ACK names only older packets.
  const size_t older = r.fromBroker.count;
  CHECK(r.broker.send(reinterpret_cast<const uint8_t*>("{\"t\":3}"), 7, kUnreliable, r.now));
  CHECK_EQ(r.fromBroker.count, older + 1);
  r.idleUntilRetransmits(1);
  CHECK_EQ(r.device.rtoBackoff(), 2);
  r.now += 1;
  r.device.receiveDatagram(r.fromBroker.data[older], r.fromBroker.length[older], r.now);
  CHECK_EQ(r.device.counters().spuriousRetransmits, 0);
  CHECK_EQ(r.device.counters().lost, 0);
  r.carryToBroker(false, originals);  // the originals arrive after all
  r.ackBack();
  CHECK_EQ(r.device.counters().spuriousRetransmits, kCopies);  // before: 0
  CHECK_EQ(r.device.counters().lost, 0);
  CHECK_EQ(r.device.rtoBackoff(), 1);  // before: 2
  CHECK_EQ(r.delivered, 1);
}
