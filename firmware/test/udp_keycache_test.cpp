// The cached session keys (SessionKey, HYPERTCP_UDP_KEY_CACHE): datagrams sealed and opened with
// the cached key schedule are byte for byte those of the per-datagram path; set() with another key
// really replaces the schedule; wipe() and the end of a session zero it; a UdpPeer's key updates
// (both directions) and a new session carry the cache along.
#include <string.h>


#include "check.h"
#include "udp/UdpPeer.h"
#include "udp_pair.h"

using namespace hypertcp::udp;

namespace {

uint32_t seed = 12345;
uint8_t randomByte() {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return static_cast<uint8_t>(seed >> 8);
}
void randomKey(DirectionKey& k) {
  for (size_t i = 0; i < sizeof k.key; i++) k.key[i] = randomByte();
  for (size_t i = 0; i < sizeof k.iv; i++) k.iv[i] = randomByte();
}
bool allZero(const void* p, size_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  uint8_t any = 0;
  for (size_t i = 0; i < n; i++) any |= b[i];
  return any == 0;
}

// Seals plain (length bytes, packet pn) behind a 13-byte header; returns the datagram length.
template <class Key>
size_t seal(const Key& k, uint64_t pn, const uint8_t* plain, size_t length, uint8_t* out) {
  size_t hl = encodeHeader(out, 0, 7, pn, nullptr);
  return sealDatagram(k, pn, out, hl, plain, length);
}
template <class Key>
bool open(const Key& k, const uint8_t* d, size_t n, uint8_t* plain, size_t& length) {
  Header h;
  return decodeHeader(d, n, h) == kHeaderOk && openDatagram(k, d, n, h, plain, length);
}

}  // namespace

TEST(udp_session_key_same_bytes_as_per_datagram_key) {
  static uint8_t plain[600], a[700], b[700], back[700];
  for (int round = 0; round < 300; round++) {
    DirectionKey k;
    randomKey(k);
    SessionKey cached;
    cached.set(k);
    CHECK(memcmp(&cached.key(), &k, sizeof k) == 0);
    size_t length = 1 + (round * 37) % 600;
    for (size_t i = 0; i < length; i++) plain[i] = randomByte();
    uint64_t pn = static_cast<uint64_t>(round) * 1000003u;
    size_t na = seal(k, pn, plain, length, a), nb = seal(cached, pn, plain, length, b);
    CHECK_EQ(na, nb);
    CHECK(memcmp(a, b, na) == 0);
    size_t got = 0;
    CHECK(open(cached, a, na, back, got));
    CHECK_EQ(got, length);
    CHECK(memcmp(back, plain, length) == 0);
    b[nb - 1] ^= 1;  // a wrong tag is refused by both paths
    CHECK(!open(cached, b, nb, back, got));
    CHECK(!open(k, b, nb, back, got));
  }
}

TEST(udp_session_key_set_replaces_the_cached_schedule) {
  DirectionKey ka, kb;
  randomKey(ka);
  randomKey(kb);
  memcpy(kb.iv, ka.iv, sizeof ka.iv);  // same nonces: only the AES key tells them apart
  const uint8_t plain[64] = {1, 2, 3};
  uint8_t withA[128], withB[128], cached[128], back[128];
  size_t na = seal(ka, 5, plain, sizeof plain, withA), nb = seal(kb, 5, plain, sizeof plain, withB);
  CHECK(memcmp(withA, withB, na) != 0);
  SessionKey k;
  k.set(ka);
  CHECK_EQ(seal(k, 5, plain, sizeof plain, cached), na);
  CHECK(memcmp(cached, withA, na) == 0);
  k.set(kb);  // key B after key A: B's ciphertext and tag, not A's
  CHECK_EQ(seal(k, 5, plain, sizeof plain, cached), nb);
  CHECK(memcmp(cached, withB, nb) == 0);
  size_t got = 0;
  CHECK(open(k, withB, nb, back, got));
  CHECK(!open(k, withA, na, back, got));
  k.set(ka);  // and back
  CHECK(open(k, withA, na, back, got));
  CHECK(!open(k, withB, nb, back, got));
}

TEST(udp_session_key_wipe_zeroes_key_and_schedule) {
  DirectionKey ka;
  randomKey(ka);
  SessionKey k;
  CHECK(allZero(&k, sizeof k));  // nothing before set()
  k.set(ka);
  CHECK(!allZero(&k, sizeof k));
  CHECK(sizeof k >= sizeof(DirectionKey) + (HYPERTCP_UDP_KEY_CACHE ? 240 : 0));  // the schedule is inside
  k.wipe();
  CHECK(allZero(&k, sizeof k));
}

namespace {

// Datagrams queued by hand between a device and a broker-role peer (no loss).
using Queue = udptest::RecordingLink<64>;

int messagesAtBroker = 0, messagesAtDevice = 0;
void countBroker(void*, const uint8_t*, size_t, uint8_t) { messagesAtBroker++; }
void countDevice(void*, const uint8_t*, size_t, uint8_t) { messagesAtDevice++; }

struct Duo {
  uint32_t now = 1000;
  Queue fromDevice, fromBroker;
  UdpPeer device, broker;
  Duo() {
    udptest::beginPair(device, &fromDevice, broker, &fromBroker, now);
    device.onMessage(countDevice, nullptr);
    broker.onMessage(countBroker, nullptr);
    messagesAtBroker = messagesAtDevice = 0;
    carry();
  }
  // Everything sent so far reaches the other side, both ways, until nothing is left to answer.
  void carry() {
    for (int round = 0; round < 4; round++) {
      for (size_t i = 0; i < fromDevice.count; i++) broker.receiveDatagram(fromDevice.data[i], fromDevice.length[i], now);
      fromDevice.count = 0;
      now++;
      broker.loop(now);
      for (size_t i = 0; i < fromBroker.count; i++) device.receiveDatagram(fromBroker.data[i], fromBroker.length[i], now);
      fromBroker.count = 0;
      device.loop(now);
    }
  }
  void send(UdpPeer& from, int n) {
    for (int i = 0; i < n; i++) {
      const uint8_t msg[] = "{\"n\":1}";
      CHECK(from.send(msg, sizeof msg - 1, kReliableOrdered, now));
      carry();
    }
  }
};

}  // namespace

TEST(udp_peer_key_updates_move_the_cached_keys) {
  Duo* duo = &udptest::freshStatic<Duo>();
  CHECK(duo->device.established());
  DirectionKey d2s = udptest::deviceSendKey(), s2d;
  memset(&s2d, 0x22, sizeof s2d);
  CHECK(memcmp(&duo->device.sendKey().key(), &d2s, sizeof d2s) == 0);
  CHECK(memcmp(&duo->broker.recvKey().key(), &d2s, sizeof d2s) == 0);
  duo->send(duo->device, 3);
  CHECK_EQ(messagesAtBroker, 3);

  // Device to broker: the next send uses the next key, the broker's cached key follows it.
  DirectionKey d2sNext, s2dNext;
  nextDirectionKey(d2s, d2sNext);
  nextDirectionKey(s2d, s2dNext);
  duo->device.requestKeyUpdate();
  duo->send(duo->device, 5);
  CHECK_EQ(messagesAtBroker, 8);
  CHECK(memcmp(&duo->device.sendKey().key(), &d2sNext, sizeof d2sNext) == 0);
  CHECK(memcmp(&duo->broker.recvKey().key(), &d2sNext, sizeof d2sNext) == 0);
  // A datagram sealed with the cached key opens with the next key only.
  uint8_t out[256], back[256];
  const uint8_t plain[20] = {9};
  size_t n = seal(duo->device.sendKey(), 999, plain, sizeof plain, out), got = 0;
  CHECK(open(d2sNext, out, n, back, got));
  CHECK(!open(d2s, out, n, back, got));

  // Broker to device, the same.
  duo->send(duo->broker, 2);
  duo->broker.requestKeyUpdate();
  duo->send(duo->broker, 4);
  CHECK_EQ(messagesAtDevice, 6);
  CHECK(memcmp(&duo->device.recvKey().key(), &s2dNext, sizeof s2dNext) == 0);
  CHECK_EQ(duo->device.counters().authFailures + duo->broker.counters().authFailures, 0);

  // Ending the session zeroes the cached keys and schedules on both sides.
  duo->device.close("test", duo->now);
  CHECK(allZero(&duo->device.sendKey(), sizeof(SessionKey)));
  CHECK(allZero(&duo->device.recvKey(), sizeof(SessionKey)));
  duo->carry();
  CHECK(duo->broker.closed());
  CHECK_STR(duo->broker.closeReason(), "closed_by_peer");
  CHECK(allZero(&duo->broker.sendKey(), sizeof(SessionKey)));
  CHECK(allZero(&duo->broker.recvKey(), sizeof(SessionKey)));

  // A new session: the cache holds the new keys (its HELLO opens with the new key only).
  DirectionKey newD2s, newS2d;
  randomKey(newD2s);
  randomKey(newS2d);
  uint8_t nonce[16] = {7};
  duo->fromDevice.count = 0;
  duo->device.begin(&duo->fromDevice, 43, newD2s, newS2d, nonce, duo->now);
  CHECK(memcmp(&duo->device.sendKey().key(), &newD2s, sizeof newD2s) == 0);
  CHECK(memcmp(&duo->device.recvKey().key(), &newS2d, sizeof newS2d) == 0);
  CHECK_EQ(duo->fromDevice.count, 1u);
  CHECK(open(newD2s, duo->fromDevice.data[0], duo->fromDevice.length[0], back, got));
  CHECK(!open(d2sNext, duo->fromDevice.data[0], duo->fromDevice.length[0], back, got));
}

TEST(udp_peer_every_ending_zeroes_the_keys) {
  // Dead peer (silence), and packet numbers exhausted.
  Duo* duo = &udptest::freshStatic<Duo>();
  for (int i = 0; i < 11000 && !duo->device.closed(); i++) duo->device.loop(++duo->now);
  CHECK_STR(duo->device.closeReason(), "dead_peer");
  CHECK(allZero(&duo->device.sendKey(), sizeof(SessionKey)));
  CHECK(allZero(&duo->device.recvKey(), sizeof(SessionKey)));
  duo = &udptest::freshStatic<Duo>();
  duo->device.setNextPacketNumber(kMaxPacketNumber);
  const uint8_t msg[] = "{}";
  duo->device.send(msg, 2, kUnreliable, duo->now);
  CHECK_STR(duo->device.closeReason(), "packet_numbers_exhausted");
  CHECK(allZero(&duo->device.sendKey(), sizeof(SessionKey)));
  CHECK(allZero(&duo->device.recvKey(), sizeof(SessionKey)));
}

// The previous phase's receive key serves a packet reordered behind a key update for 3 RTOs (at
// most 3 x 2 s), then is zeroed: a later packet of that phase is dropped and counted.
TEST(udp_peer_previous_key_serves_late_packets_for_3_rtos) {
  Duo* duo = &udptest::freshStatic<Duo>();
  duo->send(duo->broker, 2);
  // Two of the broker's phase-0 datagrams held back on the way.
  static uint8_t held[2][1500];
  size_t heldLength[2];
  const uint8_t msg[] = "{\"late\":1}";
  CHECK(duo->broker.send(msg, sizeof msg - 1, kUnreliable, duo->now));
  CHECK(duo->broker.send(msg, sizeof msg - 1, kUnreliable, duo->now));
  CHECK(duo->fromBroker.count >= 2u);
  for (int i = 0; i < 2; i++) {
    size_t from = i ? duo->fromBroker.count - 1 : 0;
    memcpy(held[i], duo->fromBroker.data[from], duo->fromBroker.length[from]);
    heldLength[i] = duo->fromBroker.length[from];
  }
  duo->fromBroker.count = 0;
  duo->broker.requestKeyUpdate();
  duo->send(duo->broker, 3);
  CHECK_EQ(duo->device.counters().authFailures, 0u);
  const uint32_t received = duo->device.counters().packetsReceived;
  duo->device.receiveDatagram(held[0], heldLength[0], duo->now);
  CHECK_EQ(duo->device.counters().packetsReceived, received + 1);
  CHECK_EQ(duo->device.counters().oldPhaseDrops, 0u);
  duo->now += 3 * 2000 + 1;
  duo->device.receiveDatagram(held[1], heldLength[1], duo->now);
  CHECK_EQ(duo->device.counters().packetsReceived, received + 1);
  CHECK_EQ(duo->device.counters().oldPhaseDrops, 1u);
  CHECK_EQ(duo->device.counters().authFailures, 0u);
  CHECK(!duo->device.closed());
}
