// The receiving half of UdpPeer: authentication, replay window, key phases, frames, channels.
#include <string.h>

#include "UdpPeer.h"

namespace hypertcp {
namespace udp {

namespace {
// Suspect::declared: set for a timeout (with the backoff before it), clear for the packet threshold.
const uint8_t kByTimeout = 0x80;
int32_t seqDiff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
// An RTT sample: since sentAt, minus the peer's reported ACK delay (at most 50 ms).
uint32_t rttSince(uint32_t sentAt, uint16_t delayMs, uint32_t nowMs) {
  uint32_t delay = delayMs < 50 ? delayMs : 50, rtt = nowMs - sentAt;
  return rtt > delay ? rtt - delay : 0;
}
}  // namespace

void UdpPeer::receiveDatagram(const uint8_t* d, size_t length, uint32_t nowMs) {
  if (closed()) return;
  Header h;
  // The broker never sets HELLO; anything for another session is noise.
  if (decodeHeader(d, length, h) != kHeaderOk || h.sessionId != sessionId_ || (h.hello && deviceRole_)) {
    counters_.malformed++;
    return;
  }
  if (replay_.check(h.packetNumber) != Window::kNew) {
    counters_.replays++;
    return;
  }
  // The current phase opens with the cached key; the next (a key update) or previous phase with
  // its own, expanded for this datagram.
  const DirectionKey* other = nullptr;
  bool next = false;
  expirePreviousKey(nowMs);
  if (h.keyPhase != recvPhase_) {
    if (h.packetNumber >= recvPhaseStart_) {
      other = &recvNext_, next = true;
    } else if (hasPrev_) {
      other = &recvPrev_;
    } else {
      counters_.oldPhaseDrops++;  // too late: its key is gone
      return;
    }
  }
  size_t plainLength = 0;
  bool authentic = other ? openDatagram(*other, d, length, h, rxPlain_, plainLength)
                         : openDatagram(recvKey_, d, length, h, rxPlain_, plainLength);
  if (!authentic) {
    counters_.authFailures++;
    return;
  }
  if (next) {
    recvPrev_ = recvKey_.key();
    recvKey_.set(recvNext_);  // the cached schedule follows the key
    nextDirectionKey(recvKey_.key(), recvNext_);
    hasPrev_ = true;
    recvPrevUntil_ = nowMs + 3 * rto();
    recvPhase_ ^= 1;
    recvPhaseStart_ = h.packetNumber;
  }
  // Authenticated: only now the window moves and the peer counts as alive.
  replay_.accept(h.packetNumber);
  lastHeard_ = nowMs;
  hello_ = false;
  counters_.packetsReceived++;
  // One malformed frame rejects the whole datagram (PROTOCOL.md 9.4): every frame is checked
  // before any takes effect, so no ACK, message or CLOSE ahead of it is acted on.
  FrameReader reader(rxPlain_, plainLength);
  if (!reader.validate()) {
    counters_.malformed++;
    return;
  }
  Frame f;
  bool ackEliciting = false, refused = false;
  const uint32_t gen = gen_;
  while (reader.next(f) == 1) {
    if (f.type == kAck) onAck(f, nowMs);
    else if (f.type == kPing) ackEliciting = true;
    else if (f.type == kWindow) continue;  // our sends never exceed the broker's window (8 slots here)
    else if (f.type == kClose) {
      end("closed_by_peer");
      return;
    } else {
      ackEliciting = true;
      if (!takeMessage(f)) refused = true;
    }
    // an ACK's done callback or a message handler may have closed the session, or begun a new one
    if (gen_ != gen) return;
  }
  if (refused) {
    counters_.refused++;
    return;  // not acknowledged: the sender will retransmit
  }
  if (!acks_.any() || h.packetNumber > acks_.largest()) largestReceivedAt_ = nowMs;
  else {
    reordered_ = true;  // it came after a later one
    sawReordering();
  }
  acks_.accept(h.packetNumber);
  if (ackEliciting) ackPending_ = heardAckEliciting_ = true, lastAckElicitingAt_ = nowMs;
}

// The previous phase's key is zeroed 3 RTOs into the new phase (QUIC keeps it 3 PTO): long enough
// for any packet reordered behind the switch.
void UdpPeer::expirePreviousKey(uint32_t nowMs) {
  if (!hasPrev_ || static_cast<int32_t>(nowMs - recvPrevUntil_) < 0) return;
  wipeBytes(&recvPrev_, sizeof recvPrev_);
  hasPrev_ = false;
}

bool UdpPeer::takeMessage(const Frame& f) {
  if (f.deflate) {
    close("protocol_error: deflate", lastHeard_);
    return true;
  }
  if (f.channel == kUnreliable) {
    if (f.fragmented || (anyUnreliable_ && seqDiff(f.seq, unreliableLast_) <= 0)) return true;  // stale or too big: dropped
    anyUnreliable_ = true;
    unreliableLast_ = f.seq;
    if (onMessage_) onMessage_(messageContext_, f.data, f.dataLength, f.channel);
    return true;
  }
  if (f.channel == kReliableUnordered) {
    int32_t d = seqDiff(f.seq, unorderedFloor_);
    if (d < 0 || (d < 64 && ((unorderedSeen_ >> d) & 1))) return counters_.duplicates++, true;
    if (d >= 64 || f.fragmented) return false;
    unorderedSeen_ |= static_cast<uint64_t>(1) << d;
    while (unorderedSeen_ & 1) {
      unorderedSeen_ >>= 1;
      unorderedFloor_++;
    }
    if (onMessage_) onMessage_(messageContext_, f.data, f.dataLength, f.channel);
    return true;
  }
  int32_t d = seqDiff(f.seq, orderedExpected_);
  if (d < 0) return counters_.duplicates++, true;
  if (d > 0) {
    // Hold a later single-datagram message in a free slot; otherwise it comes again.
    if (f.fragmented || f.dataLength > kMaxSendBytes || d > HYPERTCP_UDP_RECV_SLOTS) return false;
    Held* free = nullptr;
    for (size_t i = 0; i < HYPERTCP_UDP_RECV_SLOTS; i++) {
      if (held_[i].used && held_[i].seq == f.seq) return counters_.duplicates++, true;
      if (!held_[i].used && !free) free = &held_[i];
    }
    if (!free) return false;
    free->used = true;
    free->seq = f.seq;
    free->length = f.dataLength;
    memcpy(free->data, f.data, f.dataLength);
    return true;
  }
  if (!f.fragmented) {
    assemblyFill_ = 0;
    assemblyNext_ = 0;
    deliverOrdered(f.data, f.dataLength);
    return true;
  }
  if (f.total > HYPERTCP_UDP_MAX_MESSAGE) {
    close("protocol_error: message_too_large", lastHeard_);
    return true;
  }
  if (f.index < assemblyNext_) return counters_.duplicates++, true;
  if (f.index > assemblyNext_) return false;
  if (f.index == 0) {
    assemblyTotal_ = f.total;
    assemblyCount_ = f.count;
    assemblyFill_ = 0;
  } else if (f.total != assemblyTotal_ || f.count != assemblyCount_) {
    close("protocol_error: fragment_mismatch", lastHeard_);
    return true;
  }
  if (assemblyFill_ + f.dataLength > assemblyTotal_) {
    close("protocol_error: fragment_overflow", lastHeard_);
    return true;
  }
  memcpy(assembly_ + assemblyFill_, f.data, f.dataLength);
  assemblyFill_ += f.dataLength;
  assemblyNext_++;
  if (assemblyNext_ < assemblyCount_) return true;
  if (assemblyFill_ != assemblyTotal_) {
    close("protocol_error: fragment_total", lastHeard_);
    return true;
  }
  assemblyNext_ = 0;
  deliverOrdered(assembly_, assemblyFill_);
  return true;
}

void UdpPeer::deliverOrdered(const uint8_t* data, size_t length) {
  const uint32_t gen = gen_;
  orderedExpected_++;
  if (onMessage_) onMessage_(messageContext_, data, length, kReliableOrdered);
  for (bool found = true; found && gen_ == gen;) {
    found = false;
    for (size_t i = 0; i < HYPERTCP_UDP_RECV_SLOTS && gen_ == gen; i++) {
      if (!held_[i].used || held_[i].seq != orderedExpected_) continue;
      held_[i].used = false;
      orderedExpected_++;
      found = true;
      if (onMessage_) onMessage_(messageContext_, held_[i].data, held_[i].length, kReliableOrdered);
    }
  }
}

bool UdpPeer::acked(const Frame& f, uint64_t pn) const {
  if (pn == f.largest) return true;
  if (pn > f.largest || f.largest - pn - 1 >= 64) return false;
  return (f.mask >> (f.largest - pn - 1)) & 1;
}

void UdpPeer::onAck(const Frame& f, uint32_t nowMs) {
  if (f.largest >= nextPn_) return;
  // RTT, as the broker's Sender: the newest acknowledged packet is a sample, from its own send
  // time, the first time an ACK names it: a reliable message's latest transmission (its slot, which
  // the ACK then settles), another ack-eliciting packet still in the probe ring, or a packet declared
  // lost (its suspect, judgeSuspects). A retransmission leaves under a new packet number with its
  // own time, so an ACK is never paired with another transmission's time (Karn's problem).
  bool sampled = false;
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS && !sampled; i++) {
    const Slot& s = slots_[i];
    if (s.used && f.largest >= s.pn && f.largest - s.pn < s.copies) {
      sample(rttSince(s.sentAt, f.delayMs, nowMs));
      sampled = true;
    }
  }
  for (size_t i = 0; i < HYPERTCP_UDP_RTT_PROBES && !sampled; i++) {
    Probe& p = probes_[i];
    if (p.used && p.pn == f.largest) {
      sample(rttSince(p.sentAt, f.delayMs, nowMs));
      p.used = false;
      sampled = true;
    }
  }
  uint64_t lateAcked = judgeSuspects(f, nowMs, sampled);
  if (!anyAcked_ || f.largest > largestAcked_) largestAcked_ = f.largest;
  anyAcked_ = true;
  if (inRecovery_ && largestAcked_ >= recoveryEnd_) endRecovery();
  // Either copy of an idle duplicate settles the message, and so does a late ACK of a packet
  // declared lost (reordered): its retransmission is then not needed, and no retry is spent.
  for (size_t i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) {
    Slot& s = slots_[i];
    if (s.used && (acked(f, s.pn) || (s.copies > 1 && acked(f, s.pn + 1)) || ((lateAcked >> i) & 1))) finish(s, true);
  }
}

// Declared lost: counted (lost or spurious) once an ACK proves which, as the broker's
// LossSuspects (electron/udp/loss-suspects.ts) does, so the counters agree on both ends.
// `reorder`: packets past it acknowledged when the packet threshold declared it (0: a timeout).
void UdpPeer::suspect(uint64_t pn, uint32_t sentAt, uint8_t backoff, uint64_t reorder, const Slot& sent) {
  Suspect* slot = nullptr;
  for (size_t i = 0; i < HYPERTCP_UDP_LOSS_SUSPECTS && !slot; i++)
    if (!suspects_[i].used) slot = &suspects_[i];
  if (!slot) {  // full: the oldest gives way, uncounted (nothing proved it lost)
    slot = &suspects_[0];
    for (size_t i = 1; i < HYPERTCP_UDP_LOSS_SUSPECTS; i++)
      if (suspects_[i].pn < slot->pn) slot = &suspects_[i];
  }
  slot->pn = pn;
  slot->boundary = nextPn_;
  slot->sentAt = sentAt;
  slot->declared = backoff ? static_cast<uint8_t>(kByTimeout | backoff) : static_cast<uint8_t>(reorder < 127 ? reorder : 127);
  slot->slot = static_cast<uint8_t>(&sent - slots_);
  slot->gen = sent.gen;
  slot->used = true;
  if (!inRecovery_) inRecovery_ = true, recoveryEnd_ = nextPn_;
}

// Returns the send slots whose message (still there) a suspect this ACK covers carried (bit i: slots_[i]).
uint64_t UdpPeer::judgeSuspects(const Frame& f, uint32_t nowMs, bool sampled) {
  uint64_t lateAcked = 0;
  const bool reordering = reorders();
  const uint32_t late = mayArriveMs();
  for (size_t i = 0; i < HYPERTCP_UDP_LOSS_SUSPECTS; i++) {
    Suspect& s = suspects_[i];
    if (!s.used) continue;
    if (acked(f, s.pn)) {
      // It arrived, only its ACK was late: a true RTT sample (packet numbers are unique), and the
      // timeout that declared it undone (Eifel/F-RTO), or the packet threshold widened to the
      // reorder distance it showed (RFC 9002 6.1, as the broker's Sender.widenThresholds).
      counters_.spuriousRetransmits++;
      if (f.largest == s.pn && !sampled) sample(rttSince(s.sentAt, f.delayMs, nowMs));
      uint8_t backoff = s.declared & kByTimeout ? s.declared & ~kByTimeout : 0;
      if (backoff && backoff < backoff_) backoff_ = backoff;
      uint64_t widened = s.declared + 1u < kWindowSize ? s.declared + 1u : kWindowSize;
      if (!backoff && widened > packetThreshold_) packetThreshold_ = static_cast<uint8_t>(widened);
      if (!backoff) sawReordering();
      if (slots_[s.slot].used && slots_[s.slot].gen == s.gen) lateAcked |= uint64_t(1) << s.slot;
    } else if (reordering && f.largest > s.pn && f.largest - s.pn > kWindowSize) {
      // Out of this ACK's reach: on a reordering link an older ACK that covers it may still come.
      // Nothing proved it either way: it gives way uncounted. (An ACK older than the suspect, its
      // largest below it, reaches nothing yet: the suspect stays, as on the broker.)
    } else if (f.largest >= s.boundary && (!reordering || nowMs - s.sentAt >= late)) {
      // Later packets arrived without it; on a reordering link only proof once it is late too.
      counters_.lost++;
    } else {
      continue;
    }
    s.used = false;
  }
  return lateAcked;
}

}  // namespace udp
}  // namespace hypertcp
