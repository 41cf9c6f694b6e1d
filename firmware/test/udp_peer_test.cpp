// Two UdpPeers (device and broker roles) over an in-memory seeded lossy link: reliable messages
// arrive exactly once, in order on the ordered channel, at 10% and 30% loss, both ways.
#include <stdio.h>
#include <string.h>


#include "check.h"
#include "udp/UdpPeer.h"
#include "udp_pair.h"

using namespace hypertcp::udp;

namespace {

struct Packet {
  uint8_t data[1500];
  size_t length;
  uint32_t at;
};

// One direction of the link: a fixed queue with loss, duplication and delay (no heap).
class LossyLink : public DatagramLink {
 public:
  LossyLink() : peer(nullptr), loss(0), duplicate(0), now(nullptr), seed(1), count(0), sent(0), dropped(0) {}
  LossyLink* peer;  // where our sends land
  double loss, duplicate;
  uint32_t* now;
  uint32_t seed;
  Packet queue[512];
  size_t count;
  uint32_t sent, dropped;

  double random() {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return (seed % 100000) / 100000.0;
  }
  bool send(const uint8_t* data, size_t length) override {
    sent++;
    if (random() < loss) return dropped++, true;
    int copies = random() < duplicate ? 2 : 1;
    for (int c = 0; c < copies && peer->count < 512; c++) {
      Packet& p = peer->queue[peer->count++];
      memcpy(p.data, data, length);
      p.length = length;
      p.at = *now + 2 + static_cast<uint32_t>(random() * 6);  // 2..8 ms: reorders too
    }
    return true;
  }
  int receive(uint8_t* buffer, size_t capacity) override {
    for (size_t i = 0; i < count; i++) {
      if (queue[i].at > *now || queue[i].length > capacity) continue;
      int n = static_cast<int>(queue[i].length);
      memcpy(buffer, queue[i].data, queue[i].length);
      queue[i] = queue[--count];
      return n;
    }
    return -1;
  }
};

struct Inbox {
  uint32_t values[4000];
  int count;
  int delivered, failed;
};

void onMessage(void* context, const uint8_t* data, size_t length, uint8_t) {
  Inbox* in = static_cast<Inbox*>(context);
  char text[64];
  size_t n = length < 63 ? length : 63;
  memcpy(text, data, n);
  text[n] = 0;
  unsigned v = 0;
  if (sscanf(text, "{\"n\":%u}", &v) == 1 && in->count < 4000) in->values[in->count++] = v;
}

void onDone(void* context, uint32_t, bool delivered) {
  Inbox* in = static_cast<Inbox*>(context);
  if (delivered) in->delivered++;
  else in->failed++;
}

struct Pair {
  uint32_t now;
  LossyLink toBroker, toDevice;
  UdpPeer device, broker;
  Inbox atDevice, atBroker;
  Pair(double loss, uint32_t seed) : now(0) {
    memset(&atDevice, 0, sizeof atDevice);
    memset(&atBroker, 0, sizeof atBroker);
    toBroker.peer = &toDevice;  // device sends land in the broker's receive queue (toDevice holds the broker's inbox)
    toDevice.peer = &toBroker;
    toBroker.now = toDevice.now = &now;
    toBroker.loss = toDevice.loss = loss;
    toBroker.duplicate = toDevice.duplicate = 0.05;
    toBroker.seed = seed;
    toDevice.seed = seed * 7 + 1;
    // Device sends through toBroker and reads from toBroker's queue (filled by the broker's link).
    udptest::beginPair(device, &toBroker, broker, &toDevice, now);
    device.onMessage(onMessage, &atDevice);
    device.onDone(onDone, &atDevice);
    broker.onMessage(onMessage, &atBroker);
    broker.onDone(onDone, &atBroker);
  }
  void step(uint32_t ms) {
    for (uint32_t i = 0; i < ms; i++) {
      now++;
      device.loop(now);
      broker.loop(now);
    }
  }
};

void exchange(double loss, uint32_t seed) {
  Pair& p = udptest::freshStatic<Pair>(loss, seed);
  p.step(50);
  const int N = 600;
  int sentUp = 0, sentDown = 0;
  for (int guard = 0; guard < 200000 && (p.atBroker.count < N || p.atDevice.count < N); guard++) {
    char msg[32];
    while (sentUp < N && p.device.freeSlots() > 0) {
      int len = snprintf(msg, sizeof msg, "{\"n\":%d}", sentUp);
      CHECK(p.device.send(reinterpret_cast<const uint8_t*>(msg), static_cast<size_t>(len), kReliableOrdered, p.now));
      sentUp++;
    }
    while (sentDown < N && p.broker.freeSlots() > 0) {
      int len = snprintf(msg, sizeof msg, "{\"n\":%d}", sentDown);
      CHECK(p.broker.send(reinterpret_cast<const uint8_t*>(msg), static_cast<size_t>(len), kReliableOrdered, p.now));
      sentDown++;
    }
    p.step(1);
    if (p.device.closed() || p.broker.closed()) break;
  }
  p.step(3000);
  if (p.device.closed() || p.broker.closed())
    printf("closed: device %s, broker %s\n", p.device.closeReason() ? p.device.closeReason() : "-", p.broker.closeReason() ? p.broker.closeReason() : "-");
  CHECK(!p.device.closed());
  CHECK(!p.broker.closed());
  CHECK_EQ(p.atBroker.count, N);
  CHECK_EQ(p.atDevice.count, N);
  for (int i = 0; i < N; i++) {
    CHECK_EQ(p.atBroker.values[i], i);
    CHECK_EQ(p.atDevice.values[i], i);
  }
  CHECK_EQ(p.atDevice.failed + p.atBroker.failed, 0);
  CHECK(p.toBroker.dropped > 0);
  CHECK(p.device.counters().retransmits > 0);
  printf("loss %.0f%%: %u+%u datagrams, %u+%u dropped, device retransmits %u, idle duplicates %u, srtt %u ms\n", loss * 100, p.toBroker.sent,
         p.toDevice.sent, p.toBroker.dropped, p.toDevice.dropped, p.device.counters().retransmits, p.device.counters().idleDuplicates, p.device.srttMs());
}

}  // namespace

TEST(udp_peer_reliable_at_10_percent_loss) { exchange(0.10, 11); }
TEST(udp_peer_reliable_at_30_percent_loss) { exchange(0.30, 33); }

TEST(udp_peer_dead_after_silence_and_retries_exhausted) {
  Pair* p = &udptest::freshStatic<Pair>(0.0, 5u);
  p->step(50);
  CHECK(p->device.established());
  p->toBroker.loss = p->toDevice.loss = 1;
  const uint8_t msg[] = "{\"n\":1}";
  CHECK(p->device.send(msg, sizeof msg - 1, kReliableOrdered, p->now));
  p->step(12000);
  CHECK(p->device.closed());
  CHECK_EQ(p->atDevice.failed, 1);
  CHECK(strcmp(p->device.closeReason(), "retries_exhausted") == 0 || strcmp(p->device.closeReason(), "dead_peer") == 0);
  CHECK(p->broker.closed());
  CHECK_STR(p->broker.closeReason(), "dead_peer");
}

TEST(udp_peer_packet_numbers_never_wrap) {
  Pair* p = &udptest::freshStatic<Pair>(0.0, 9u);
  p->step(50);
  p->device.setNextPacketNumber(kMaxPacketNumber - 3);
  const uint8_t msg[] = "{\"n\":1}";
  int accepted = 0;
  for (int i = 0; i < 10; i++) accepted += p->device.send(msg, sizeof msg - 1, kReliableUnordered, p->now);
  // Three packet numbers left. Without idle duplicates: 3 messages leave, the 4th is queued,
  // finds no packet number and fails. With them the 1st leaves twice (the 2nd does not double:
  // its copy would need a 4th number), so the 3rd is the one that fails.
  const int leave = HYPERTCP_UDP_IDLE_DUPLICATES > 0 ? 2 : 3;
  CHECK_EQ(accepted, leave + 1);
  CHECK_EQ(p->atDevice.failed, leave + 1);
  CHECK(p->device.closed());
  CHECK_STR(p->device.closeReason(), "packet_numbers_exhausted");
  p->step(50);
  CHECK_EQ(p->atBroker.count, leave);
}

// A sketch's callback that ends the session: nothing of the datagram being read reaches it after.
struct Ending {
  UdpPeer* peer;
  int messages;
  bool reopen;
};

void countMessage(void* context, const uint8_t*, size_t, uint8_t) { static_cast<Ending*>(context)->messages++; }

void endOnDelivered(void* context, uint32_t, bool delivered) {
  Ending* e = static_cast<Ending*>(context);
  if (!delivered) return;
  if (!e->reopen) return e->peer->close("done", 10);
  // the sketch reconnects at once: a new session on the same peer (its keys from a new login)
  udptest::RecordingLink<8>& again = udptest::freshStatic<udptest::RecordingLink<8>>();
  DirectionKey k;
  memset(&k, 0x44, sizeof k);
  uint8_t nonce[16];
  memset(nonce, 0x55, sizeof nonce);
  e->peer->begin(&again, 43, k, k, nonce, 10);
  e->peer->onMessage(countMessage, e);  // as UdpLink sets its handler again on a new session
}

// The broker's usual datagram: the ACK of the device's message, then a message of its own.
void ackThenMessage(bool reopen) {
  static udptest::RecordingLink<16> toBroker, toDevice;
  toBroker.count = toDevice.count = 0;
  UdpPeer& device = udptest::freshStatic<UdpPeer>();
  static UdpPeer broker;
  udptest::beginPair(device, &toBroker, broker, &toDevice, 0);
  Ending ending = {&device, 0, reopen};
  device.onDone(endOnDelivered, &ending);
  device.onMessage(countMessage, &ending);
  broker.receiveDatagram(toBroker.data[0], toBroker.length[0], 1);  // the HELLO
  const uint8_t msg[] = "{\"n\":1}";
  CHECK(device.send(msg, sizeof msg - 1, kReliableOrdered, 2));
  broker.receiveDatagram(toBroker.data[toBroker.count - 1], toBroker.length[toBroker.count - 1], 3);
  size_t before = toDevice.count;
  CHECK(broker.send(msg, sizeof msg - 1, kReliableOrdered, 4));
  CHECK(toDevice.count > before);  // (a second copy too, on an idle link)
  device.receiveDatagram(toDevice.data[before], toDevice.length[before], 5);
  CHECK_EQ(ending.messages, 0);
  CHECK(reopen ? !device.closed() : device.closed());
}

TEST(udp_peer_a_done_callback_that_closes_hears_nothing_more_of_the_datagram) { ackThenMessage(false); }
TEST(udp_peer_a_done_callback_that_begins_anew_hears_nothing_more_of_the_old_session) { ackThenMessage(true); }

// The CLOSE frame the device sends when it ends the session with `reason`, as the broker reads it.
int closeCodeSent(const char* reason) {
  static udptest::RecordingLink<8> toBroker, toDevice;
  toBroker.count = toDevice.count = 0;
  UdpPeer& device = udptest::freshStatic<UdpPeer>();
  static UdpPeer broker;
  udptest::beginPair(device, &toBroker, broker, &toDevice, 0);
  device.close(reason, 1);
  const uint8_t* d = toBroker.data[toBroker.count - 1];
  size_t length = toBroker.length[toBroker.count - 1];
  Header h;
  static uint8_t plain[1500];
  size_t n = 0;
  if (decodeHeader(d, length, h) != kHeaderOk || !openDatagram(udptest::deviceSendKey(), d, length, h, plain, n)) return -1;
  FrameReader reader(plain, n);
  Frame f;
  while (reader.next(f) == 1)
    if (f.type == kClose) return f.reason;
  return -1;
}

TEST(udp_peer_close_says_why_as_the_protocol_numbers_it) {
  CHECK_EQ(closeCodeSent("retries_exhausted"), 3);
  CHECK_EQ(closeCodeSent("dead_peer"), 1);
  CHECK_EQ(closeCodeSent("protocol_error: fragment_total"), 2);
  CHECK_EQ(closeCodeSent("tcp_closed"), 0);
}

// A datagram of session 42 as the broker of beginPair seals it (packet pn, key phase 0).
size_t brokerDatagram(uint8_t* out, uint64_t pn, const uint8_t* plain, size_t length) {
  size_t h = encodeHeader(out, 0, 42, pn, nullptr);
  return sealDatagram(udptest::brokerSendKey(), pn, out, h, plain, length);
}

// PROTOCOL 9.4: a malformed frame rejects the whole datagram, the well-formed frames ahead of it
// included. An authenticated broker with a bug is the only source of one, so the datagram is
// authentic: it is counted as malformed and nothing in it takes effect.
TEST(udp_peer_a_malformed_frame_rejects_the_frames_before_it) {
  static udptest::RecordingLink<16> toBroker;
  toBroker.count = 0;
  UdpPeer& device = udptest::freshStatic<UdpPeer>();
  DirectionKey d2s = udptest::deviceSendKey(), s2d = udptest::brokerSendKey();
  uint8_t nonce[16];
  memset(nonce, 0x33, sizeof nonce);
  device.begin(&toBroker, 42, d2s, s2d, nonce, 0);  // the HELLO is packet 0
  static Inbox inbox;
  memset(&inbox, 0, sizeof inbox);
  device.onMessage(onMessage, &inbox);
  device.onDone(onDone, &inbox);
  const uint8_t msg[] = "{\"n\":7}";
  CHECK(device.send(msg, sizeof msg - 1, kReliableOrdered, 1));  // packet 1 (and 2, an idle duplicate)
  const size_t slots = device.freeSlots();

  static uint8_t plain[256], d[512];
  // An ACK of the device's message and a message of the broker's, then a frame of unknown type.
  size_t n = writeAck(plain, 0, sizeof plain, 1, 0, 0);
  n = writeMsg(plain, n, sizeof plain, kReliableOrdered, 0, msg, sizeof msg - 1);
  plain[n++] = 9;
  device.receiveDatagram(d, brokerDatagram(d, 0, plain, n), 10);
  // An unreliable message and a CLOSE, then a message one byte short of its length.
  n = writeMsg(plain, 0, sizeof plain, kUnreliable, 0, msg, sizeof msg - 1);
  n = writeClose(plain, n, sizeof plain, kCloseNormal);
  n = writeMsg(plain, n, sizeof plain, kUnreliable, 1, msg, sizeof msg - 1);
  device.receiveDatagram(d, brokerDatagram(d, 1, plain, n - 1), 11);
  CHECK_EQ(device.counters().malformed, 2);
  CHECK_EQ(device.counters().authFailures, 0);
  CHECK_EQ(device.counters().packetsReceived, 2);  // authentic: the replay window moved
  CHECK_EQ(inbox.count, 0);                        // no message reached the sketch
  CHECK_EQ(inbox.delivered + inbox.failed, 0);     // the ACK settled nothing
  CHECK_EQ(device.freeSlots(), slots);
  CHECK(!device.closed());  // the CLOSE was not taken

  // Nothing was taken, so nothing counts as a duplicate: the same frames, well formed, all act.
  n = writeAck(plain, 0, sizeof plain, 1, 0, 0);
  n = writeMsg(plain, n, sizeof plain, kReliableOrdered, 0, msg, sizeof msg - 1);
  n = writeMsg(plain, n, sizeof plain, kUnreliable, 0, msg, sizeof msg - 1);
  device.receiveDatagram(d, brokerDatagram(d, 2, plain, n), 12);
  CHECK_EQ(device.counters().malformed, 2);
  CHECK_EQ(device.counters().duplicates, 0);
  CHECK_EQ(inbox.count, 2);  // the unreliable one too: seq 0 is still new
  CHECK_EQ(inbox.values[0], 7);
  CHECK_EQ(inbox.delivered, 1);
  CHECK_EQ(device.freeSlots(), slots + 1);
  CHECK(!device.closed());
}

TEST(udp_peer_refuses_oversized_and_forged) {
  Pair* p = &udptest::freshStatic<Pair>(0.0, 13u);
  p->step(50);
  static uint8_t big[UdpPeer::kMaxSendBytes + 1];
  CHECK(!p->device.send(big, sizeof big, kReliableOrdered, p->now));
  CHECK(p->device.send(big, UdpPeer::kMaxSendBytes, kReliableOrdered, p->now));
  uint8_t junk[64];
  memset(junk, 0x10, sizeof junk);
  junk[1] = 0;
  junk[2] = 0;
  junk[3] = 0;
  junk[4] = 42;  // the real session id, packet 16, garbage ciphertext
  memset(junk + 5, 0, 7);
  uint32_t before = p->device.counters().authFailures;
  p->device.receiveDatagram(junk, sizeof junk, p->now);
  CHECK_EQ(p->device.counters().authFailures, before + 1);
  CHECK(!p->device.closed());
}

#include "udp/ArduinoUdpLink.h"

namespace {
// The shape of Arduino's UDP class (WiFiUDP), enough to drive ArduinoUdpLink on the host.
struct StubAddress {
  uint32_t ip;
  bool operator==(const StubAddress& o) const { return ip == o.ip; }
  bool fromString(const char* text) {  // IPAddress::fromString: a dotted quad, or false
    unsigned a, b, c, d;
    char end;
    if (sscanf(text, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
      return false;
    ip = a << 24 | b << 16 | c << 8 | d;
    return true;
  }
};
struct StubUdp {
  uint8_t out[1500];
  size_t outLength = 0;
  int packets = 0;
  // Inbox: one datagram from `from`.
  uint8_t in[1500];
  size_t inLength = 0, inRead = 0;
  StubAddress from{0};
  uint16_t fromPort = 0;
  StubAddress to{0};
  uint16_t toPort = 0;
  int beginPacket(const StubAddress& address, uint16_t port) {
    to = address;
    toPort = port;
    return outLength = 0, 1;
  }
  size_t write(const uint8_t* d, size_t n) {
    memcpy(out + outLength, d, n);
    outLength += n;
    return n;
  }
  int endPacket() { return ++packets, 1; }
  int parsePacket() {
    if (inLength == 0) return 0;
    inRead = 0;
    return static_cast<int>(inLength);
  }
  int read(uint8_t* b, size_t cap) {
    if (inRead >= inLength) return 0;
    size_t n = inLength - inRead < cap ? inLength - inRead : cap;
    memcpy(b, in + inRead, n);
    inRead += n;
    if (inRead >= inLength) inLength = inRead = 0;
    return static_cast<int>(n);
  }
  uint8_t begin(uint16_t) { return 1; }
  void stop() {}
  StubAddress remoteIP() const { return from; }
  uint16_t remotePort() const { return fromPort; }
};
}  // namespace

TEST(udp_arduino_link_sends_and_filters_by_broker_address) {
  StubUdp udp;
  StubAddress broker{0x0A000001};
  ArduinoUdpLink<StubUdp, StubAddress> link(udp, broker, 8080);
  const uint8_t hello[] = {1, 2, 3};
  CHECK(link.send(hello, 3));
  CHECK_EQ(udp.packets, 1);
  CHECK_EQ(udp.outLength, 3);
  uint8_t buffer[64];
  CHECK_EQ(link.receive(buffer, sizeof buffer), -1);
  // A datagram from a stranger is read and discarded.
  udp.from = StubAddress{0x0A000099};
  udp.fromPort = 8080;
  memcpy(udp.in, "xyz", 3);
  udp.inLength = 3;
  CHECK_EQ(link.receive(buffer, sizeof buffer), -1);
  // One from the broker comes through.
  udp.from = broker;
  memcpy(udp.in, "abcd", 4);
  udp.inLength = 4;
  CHECK_EQ(link.receive(buffer, sizeof buffer), 4);
  CHECK(memcmp(buffer, "abcd", 4) == 0);
}

// After a REDIRECT the UDP session opens with the new broker's host: datagrams go to it and only
// its replies are taken; a broker known by name falls back to the constructor's address.
TEST(udp_arduino_link_opens_towards_the_host_it_is_given) {
  StubUdp udp;
  StubAddress configured{0x0A000001};
  ArduinoUdpLink<StubUdp, StubAddress> link(udp, configured, 8080);
  const uint8_t hello[] = {1, 2, 3};
  uint8_t buffer[64];
  CHECK(link.open("10.0.0.7", 9000));
  CHECK(link.send(hello, 3));
  CHECK_EQ(udp.to.ip, 0x0A000007);
  CHECK_EQ(udp.toPort, 9000);
  udp.from = configured;  // the old broker is now a stranger
  udp.fromPort = 9000;
  memcpy(udp.in, "old", 3);
  udp.inLength = 3;
  CHECK_EQ(link.receive(buffer, sizeof buffer), -1);
  udp.from = StubAddress{0x0A000007};
  memcpy(udp.in, "new", 3);
  udp.inLength = 3;
  CHECK_EQ(link.receive(buffer, sizeof buffer), 3);
  CHECK(link.open("broker.local", 9001));
  CHECK(link.send(hello, 3));
  CHECK_EQ(udp.to.ip, 0x0A000001);
  CHECK_EQ(udp.toPort, 9001);
}
