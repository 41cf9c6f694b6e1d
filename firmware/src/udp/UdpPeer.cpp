#include "UdpPeer.h"

#include <string.h>

namespace hypertcp {
namespace udp {

namespace {
const uint32_t kHeartbeatMs = 2000;
const uint32_t kDeadAfterHeartbeats = 5;
const uint32_t kHelloRetryMs = 250;
// Per attempt both the datagram and its ACK must arrive (0.49 at 30% loss each way): 16 tries.
const uint8_t kMaxRetries = 16;
const uint32_t kInitialRtoMs = 500, kMinRtoMs = 20, kMaxRtoMs = 2000;
const uint64_t kRekeyAfter = static_cast<uint64_t>(1) << 22;
const size_t kPayloadCapacity = HYPERTCP_UDP_DATAGRAM_BYTES - kHelloHeaderBytes - kTagBytes;
// RFC 9002's packet threshold (it widens to at most kWindowSize), and the replay window's packet
// numbers data leaves to ACK-only packets on a reordering link (electron/udp/sender.ts:
// PACKET_THRESHOLD, ACK_RESERVE).
const uint8_t kPacketThreshold = 3;
// The widening lasts this many loss recoveries with no declaration proved spurious and no broker
// packet out of order, as RACK's reo_wnd_persist (RFC 8985 6.2; Sender REORDER_PERSIST_RECOVERIES):
// with at most HYPERTCP_UDP_SEND_SLOTS packets in flight a threshold widened once would otherwise
// leave every later loss to the RTO until the session ends.
const uint8_t kReorderPersistRecoveries = 16;
const uint64_t kAckReserve = 16;

}  // namespace

UdpPeer::UdpPeer() : link_(nullptr), closeReason_("not_started") {}

void UdpPeer::begin(DatagramLink* link, uint32_t sessionId, const DirectionKey& sendKey, const DirectionKey& recvKey,
                    const uint8_t* helloNonce, uint32_t nowMs) {
  gen_++;
  link_ = link;
  sessionId_ = sessionId;
  sendKey_.set(sendKey);
  recvKey_.set(recvKey);
  nextDirectionKey(recvKey_.key(), recvNext_);
  wipeBytes(&recvPrev_, sizeof recvPrev_);
  sendPhase_ = recvPhase_ = 0;
  hasPrev_ = false;
  recvPrevUntil_ = 0;
  recvPhaseStart_ = sendPhaseStart_ = sendPhaseCount_ = largestAcked_ = 0;
  anyAcked_ = false;
  hello_ = deviceRole_ = helloNonce != nullptr;
  if (hello_) memcpy(helloNonce_, helloNonce, kNonceBytes);
  nextPn_ = 0;
  replay_ = Window();
  acks_ = Window();
  nextSeq_[0] = nextSeq_[1] = nextSeq_[2] = 0;
  orderedExpected_ = unorderedFloor_ = unreliableLast_ = 0;
  unorderedSeen_ = 0;
  anyUnreliable_ = false;
  assemblyTotal_ = assemblyFill_ = 0;
  assemblyNext_ = assemblyCount_ = 0;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) slots_[i].used = false, slots_[i].gen = 0;
  for (size_t i = 0; i < sizeof held_ / sizeof held_[0]; i++) held_[i].used = false;
  for (size_t i = 0; i < HYPERTCP_UDP_LOSS_SUSPECTS; i++) suspects_[i].used = false;
  for (size_t i = 0; i < HYPERTCP_UDP_RTT_PROBES; i++) probes_[i].used = false;
  nextProbe_ = 0;
  srtt_ = rttvar_ = 0;
  haveRtt_ = false;
  backoff_ = 1;
  packetThreshold_ = kPacketThreshold;
  reordered_ = heardAckEliciting_ = inRecovery_ = false;
  recoveryEnd_ = 0;
  cleanRecoveries_ = 0;
  lastAckElicitingAt_ = nowMs;
  lastHeard_ = lastSent_ = lastHello_ = largestReceivedAt_ = nowMs;
  ackPending_ = false;
  closeReason_ = nullptr;
  onMessage_ = nullptr;
  onDone_ = nullptr;
  memset(&counters_, 0, sizeof counters_);
  if (hello_) {
    // The HELLO: a PING and the window of out-of-order messages this device holds.
    size_t n = writeWindow(plain_, writePing(plain_, 0, kPayloadCapacity), kPayloadCapacity, HYPERTCP_UDP_RECV_SLOTS > 0 ? HYPERTCP_UDP_RECV_SLOTS : 1);
    transmit(plain_, n, kProbe, nowMs, nullptr);
  }
}

bool UdpPeer::beginFromLogin(DatagramLink* link, uint32_t sessionId, const char* serverNonceHex, const char* token,
                             const uint8_t deviceNonce[16], uint32_t nowMs) {
  uint8_t serverNonce[16];
  for (int i = 0; i < 16; i++) {
    uint8_t byte = 0;
    for (int j = 0; j < 2; j++) {
      char c = serverNonceHex[2 * i + j];
      uint8_t v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0xff;
      if (v == 0xff) return false;
      byte = static_cast<uint8_t>((byte << 4) | v);
    }
    serverNonce[i] = byte;
  }
  if (serverNonceHex[32] != 0) return false;
  uint8_t hash[32];
  Sha256 sha;
  sha.update(reinterpret_cast<const uint8_t*>(token), strlen(token));
  sha.finish(hash);
  DirectionKey d2s, s2d;
  deriveDirectionKey(hash, serverNonce, deviceNonce, sessionId, "d2s", d2s);
  deriveDirectionKey(hash, serverNonce, deviceNonce, sessionId, "s2d", s2d);
  begin(link, sessionId, d2s, s2d, deviceNonce, nowMs);
  wipeBytes(hash, sizeof hash);
  wipeBytes(&sha, sizeof sha);  // its buffer keeps the token's last block
  wipeBytes(&d2s, sizeof d2s);
  wipeBytes(&s2d, sizeof s2d);
  return true;
}

size_t UdpPeer::freeSlots() const {
  size_t n = 0;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) n += slots_[i].used ? 0 : 1;
  return n;
}

bool UdpPeer::transmit(const uint8_t* plain, size_t length, Kind kind, uint32_t nowMs, uint64_t* pnOut) {
  if (closed()) return false;
  if (nextPn_ >= kMaxPacketNumber) {
    // Never wrap: a reused packet number would reuse a GCM nonce. The session ends here.
    end("packet_numbers_exhausted");
    return false;
  }
  uint64_t pn = nextPn_++;
  // Key update: after kRekeyAfter packets, once the peer acknowledged one of the current phase.
  if (sendPhaseCount_ >= kRekeyAfter && anyAcked_ && largestAcked_ >= sendPhaseStart_) {
    DirectionKey next;
    nextDirectionKey(sendKey_.key(), next);
    sendKey_.set(next);  // the cached schedule follows the key
    wipeBytes(&next, sizeof next);
    sendPhase_ ^= 1;
    sendPhaseStart_ = pn;
    sendPhaseCount_ = 0;
  }
  sendPhaseCount_++;
  size_t hl = encodeHeader(packet_, sendPhase_, sessionId_, pn, hello_ ? helloNonce_ : nullptr);
  size_t n = sealDatagram(sendKey_, pn, packet_, hl, plain, length);
  if (pnOut) *pnOut = pn;
  if (kind != kAckOnly) lastSent_ = nowMs;
  if (kind == kProbe) {
    Probe& p = probes_[nextProbe_];
    p.pn = pn;
    p.sentAt = nowMs;
    p.used = true;
    nextProbe_ = static_cast<uint8_t>((nextProbe_ + 1) % HYPERTCP_UDP_RTT_PROBES);
  }
  counters_.packetsSent++;
  ackPending_ = false;
  return link_->send(packet_, n);
}

bool UdpPeer::sendMsg(Slot* slot, const uint8_t* data, size_t length, uint8_t channel, uint32_t seq, uint32_t nowMs) {
  size_t at = 0;
  if (acks_.any()) at = writeAck(plain_, at, kPayloadCapacity, acks_.largest(), static_cast<uint16_t>(nowMs - largestReceivedAt_), acks_.mask());
  at = writeMsg(plain_, at, kPayloadCapacity, channel, seq, data, static_cast<uint16_t>(length));
  if (at == 0) return false;
  // Decided before this packet counts as in flight: on an idle link a reliable message leaves twice.
  bool twice = false;
#if HYPERTCP_UDP_IDLE_DUPLICATES > 0
  twice = slot && packetsInFlight(slot) < HYPERTCP_UDP_IDLE_DUPLICATES && withinWindow(2, slot, nowMs);
#endif
  uint64_t pn = 0;
  Kind kind = slot ? kInSlot : kProbe;
  bool ok = transmit(plain_, at, kind, nowMs, &pn);
  uint8_t copies = 1;
  // The same plaintext sealed under the next packet number (a nonce is never reused): whichever
  // copy is acknowledged first settles the message, which is resent only when both are lost.
  if (twice && !closed() && nextPn_ < kMaxPacketNumber) {
    ok = transmit(plain_, at, kind, nowMs, nullptr) || ok;  // the slot times both copies
    copies = 2;
    counters_.idleDuplicates++;
  }
  if (slot) {
    slot->pn = pn;
    slot->copies = copies;
    slot->sentAt = nowMs;
    slot->sends++;
  }
  return ok;
}

// Packets carrying reliable messages not yet acknowledged nor past the loss threshold (pings and
// the slot about to be sent again are left out).
size_t UdpPeer::packetsInFlight(const Slot* except) const {
  size_t n = 0;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) {
    const Slot& s = slots_[i];
    if (!s.used || &s == except) continue;
    for (uint8_t c = 0; c < s.copies; c++) n += anyAcked_ && largestAcked_ >= s.pn + c + packetThreshold_ ? 0 : 1;
  }
  return n;
}

// The broker takes a packet at most kWindowSize below the newest it has seen (replay window): the
// next `packets` packet numbers may be used only if every send slot's latest transmission stays
// within it (`except`, about to be sent again, left out). So the device never makes the broker
// drop as a replay a packet it still counts in flight (docs/PROTOCOL.md 9.5, Flight).
static const uint64_t kNoneInFlight = ~static_cast<uint64_t>(0);

uint64_t UdpPeer::oldestSlot(const Slot* except) const {
  uint64_t oldest = kNoneInFlight;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) {
    const Slot& s = slots_[i];
    if (s.used && s.copies > 0 && &s != except && s.pn < oldest) oldest = s.pn;
  }
  return oldest;
}

// The link delivers out of order: a broker packet came after a later one, or a declaration proved
// spurious (the packet threshold widened).
bool UdpPeer::reorders() const { return reordered_ || packetThreshold_ > kPacketThreshold; }

// Reordering seen: the widening lasts another kReorderPersistRecoveries clean recoveries (the one
// under way not counted).
void UdpPeer::sawReordering() {
  cleanRecoveries_ = 0;
  inRecovery_ = false;
}

// A loss recovery ended with nothing seen to reorder: after enough of them, the defaults.
void UdpPeer::endRecovery() {
  inRecovery_ = false;
  if (!reorders() || ++cleanRecoveries_ < kReorderPersistRecoveries) return;
  cleanRecoveries_ = 0;
  packetThreshold_ = kPacketThreshold;
  reordered_ = false;
}

// How long after it left a packet may still arrive on a reordering link: SRTT + max(2, 4 RTTVAR),
// the RTO without its floor and backoff (Sender.mayArriveMs on the broker, which also has a time
// threshold).
uint32_t UdpPeer::mayArriveMs() const {
  if (!haveRtt_) return kInitialRtoMs;
  return static_cast<uint32_t>(srtt_ + (4 * rttvar_ > 2 ? 4 * rttvar_ : 2));
}

// The broker sends ack-eliciting packets: the device owes it ACKs (their ACK-only packets take
// packet numbers too).
bool UdpPeer::owesAcks(uint32_t nowMs) const { return heardAckEliciting_ && nowMs - lastAckElicitingAt_ < rto(); }

// The oldest packet the broker may still receive: a send slot's latest transmission (`youngOnly`:
// only one sent less than mayArriveMs() ago) and, on a reordering link, a packet declared lost
// that recently (it may still arrive, and the broker drops it as a replay once one 65 later has).
uint64_t UdpPeer::oldestHeld(const Slot* except, uint32_t nowMs, bool youngOnly) const {
  uint64_t oldest = kNoneInFlight;
  const uint32_t young = mayArriveMs();
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) {
    const Slot& s = slots_[i];
    if (s.used && s.copies > 0 && &s != except && s.pn < oldest && (!youngOnly || nowMs - s.sentAt < young)) oldest = s.pn;
  }
  if (!reorders()) return oldest;
  for (size_t i = 0; i < HYPERTCP_UDP_LOSS_SUSPECTS; i++) {
    const Suspect& s = suspects_[i];
    if (s.used && s.pn < oldest && nowMs - s.sentAt < young) oldest = s.pn;
  }
  return oldest;
}

// Data: within the window of every packet held (oldestHeld), and on a reordering link, while the
// broker sends data, kAckReserve short of it: the ACK-only packets the device owes still fit.
bool UdpPeer::withinWindow(uint64_t packets, const Slot* except, uint32_t nowMs) const {
  uint64_t oldest = oldestHeld(except, nowMs, false);
  uint64_t reserve = reorders() && owesAcks(nowMs) ? kAckReserve : 0;
  return oldest == kNoneInFlight || nextPn_ + packets - 1 + reserve <= oldest + kWindowSize;
}

// An ACK-only packet: on a reordering link not past the window of a packet sent less than
// mayArriveMs() ago (it could overtake it); it waits at most that long. In order nothing overtakes.
bool UdpPeer::ackWithinWindow(uint32_t nowMs) const {
  if (!reorders()) return true;
  uint64_t oldest = oldestHeld(nullptr, nowMs, true);
  return oldest == kNoneInFlight || nextPn_ <= oldest + kWindowSize;
}

bool UdpPeer::send(const uint8_t* data, size_t length, uint8_t channel, uint32_t nowMs) {
  if (closed() || length > kMaxSendBytes || channel > kReliableUnordered) return false;
  // Refused while the flight fills the broker's replay window (UdpLink sends it over TCP instead).
  if (!withinWindow(1, nullptr, nowMs)) return false;
  uint32_t seq = nextSeq_[channel];
  if (channel == kUnreliable) {
    nextSeq_[channel]++;
    return sendMsg(nullptr, data, length, channel, seq, nowMs);
  }
  Slot* slot = nullptr;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS && !slot; i++)
    if (!slots_[i].used) slot = &slots_[i];
  if (!slot) return false;
  nextSeq_[channel]++;
  slot->used = true;
  slot->channel = channel;
  slot->seq = seq;
  slot->length = static_cast<uint16_t>(length);
  slot->sends = 0;
  slot->copies = 0;
  slot->gen++;
  memcpy(slot->data, data, length);
  sendMsg(slot, data, length, channel, seq, nowMs);
  return true;
}

void UdpPeer::sendAck(uint32_t nowMs) {
  size_t n = writeAck(plain_, 0, kPayloadCapacity, acks_.largest(), static_cast<uint16_t>(nowMs - largestReceivedAt_), acks_.mask());
  transmit(plain_, n, kAckOnly, nowMs, nullptr);
}

// The CLOSE frame's code for a reason this peer closes with.
static uint8_t closeCode(const char* reason) {
  if (!reason) return kCloseNormal;
  if (strcmp(reason, "retries_exhausted") == 0) return kCloseExhausted;
  if (strcmp(reason, "dead_peer") == 0) return kCloseTimeout;
  if (strncmp(reason, "protocol_error", 14) == 0) return kCloseProtocol;
  return kCloseNormal;
}

void UdpPeer::close(const char* reason, uint32_t nowMs) {
  if (closed()) return;
  size_t n = writeClose(plain_, 0, kPayloadCapacity, closeCode(reason));
  transmit(plain_, n, kAckOnly, nowMs, nullptr);
  end(reason);
}

// Every way a session ends comes here: closed, the key material (and its cached schedules) zeroed.
void UdpPeer::end(const char* reason) {
  gen_++;
  closeReason_ = reason;
  sendKey_.wipe();
  recvKey_.wipe();
  wipeBytes(&recvNext_, sizeof recvNext_);
  wipeBytes(&recvPrev_, sizeof recvPrev_);
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++)
    if (slots_[i].used) finish(slots_[i], false);
  // Nothing proved the suspects arrived: they count as lost.
  for (size_t i = 0; i < HYPERTCP_UDP_LOSS_SUSPECTS; i++)
    if (suspects_[i].used) suspects_[i].used = false, counters_.lost++;
}

void UdpPeer::requestKeyUpdate() { sendPhaseCount_ = kRekeyAfter; }

void UdpPeer::finish(Slot& s, bool delivered) {
  s.used = false;
  if (!delivered) counters_.failed++;
  if (onDone_) onDone_(doneContext_, s.seq, delivered);
}

void UdpPeer::sample(uint32_t rttMs) {
  double r = rttMs;
  if (!haveRtt_) {
    srtt_ = r;
    rttvar_ = r / 2;
    haveRtt_ = true;
  } else {
    double diff = srtt_ > r ? srtt_ - r : r - srtt_;
    rttvar_ = 0.75 * rttvar_ + 0.25 * diff;
    srtt_ = 0.875 * srtt_ + 0.125 * r;
  }
  backoff_ = 1;
}

uint32_t UdpPeer::rto() const {
  double base = haveRtt_ ? srtt_ + (4 * rttvar_ > 2 ? 4 * rttvar_ : 2) : kInitialRtoMs;
  double value = base * backoff_;
  if (value < kMinRtoMs) value = kMinRtoMs;
  if (value > kMaxRtoMs) value = kMaxRtoMs;
  return static_cast<uint32_t>(value);
}

void UdpPeer::loop(uint32_t nowMs) {
  if (closed() || !link_) return;
  int n;
  while (!closed() && (n = link_->receive(rx_, sizeof rx_)) >= 0) receiveDatagram(rx_, static_cast<size_t>(n), nowMs);
  if (closed()) return;
  expirePreviousKey(nowMs);
  // An ACK held for the broker's replay window goes with a later packet or loop.
  if (ackPending_ && ackWithinWindow(nowMs)) sendAck(nowMs);
  // Loss: packetThreshold_ (3, widened by spurious declarations) packets newer than its last copy
  // acknowledged, or the retransmission timeout (both copies of an idle duplicate left together):
  // a message is resent only when every copy is lost.
  bool timedOut = false;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS && !closed(); i++) {
    Slot& s = slots_[i];
    if (!s.used) continue;
    uint64_t last = s.pn + (s.copies > 1 ? s.copies - 1 : 0);
    bool timeout = nowMs - s.sentAt >= rto();
    if (!timeout && !(anyAcked_ && largestAcked_ >= last + packetThreshold_)) continue;
    // Not past the replay window of another slot's packet in flight: it waits for a later loop();
    // the oldest one always goes (every later one is within the window of its new packet number).
    if (!withinWindow(1, &s, nowMs) && s.pn > oldestSlot(nullptr)) continue;
    if (timeout) timedOut = true;
    for (uint8_t c = 0; c < s.copies; c++) {
      uint64_t past = anyAcked_ && largestAcked_ > s.pn + c ? largestAcked_ - (s.pn + c) : 0;
      suspect(s.pn + c, s.sentAt, timeout ? backoff_ : 0, timeout ? 0 : past, s);
    }
    if (s.sends > kMaxRetries) {
      finish(s, false);
      close("retries_exhausted", nowMs);
      return;
    }
    counters_.retransmits++;
    sendMsg(&s, s.data, s.length, s.channel, s.seq, nowMs);
  }
  if (timedOut && backoff_ < 64) backoff_ *= 2;
  if (nowMs - lastHeard_ >= kHeartbeatMs * kDeadAfterHeartbeats) {
    close("dead_peer", nowMs);
    return;
  }
  bool helloDue = hello_ && nowMs - lastHello_ >= kHelloRetryMs;
  if (helloDue || nowMs - lastSent_ >= kHeartbeatMs) {
    lastHello_ = nowMs;
    size_t at = 0;
    if (acks_.any()) at = writeAck(plain_, at, kPayloadCapacity, acks_.largest(), static_cast<uint16_t>(nowMs - largestReceivedAt_), acks_.mask());
    at = writeWindow(plain_, writePing(plain_, at, kPayloadCapacity), kPayloadCapacity, HYPERTCP_UDP_RECV_SLOTS > 0 ? HYPERTCP_UDP_RECV_SLOTS : 1);
    transmit(plain_, at, kProbe, nowMs, nullptr);
  }
}

}  // namespace udp
}  // namespace hypertcp
