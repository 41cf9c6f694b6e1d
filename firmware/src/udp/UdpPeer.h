// One end of a UDP session (docs/PROTOCOL.md section 9) for the device: HELLO until the broker
// answers, reliable (ordered, unordered) and unreliable messages, ACKs, RFC 6298 retransmission
// with bounded retries, heartbeats, dead-peer detection, key updates. No heap: fixed slots.
// Device limits (documented in PROTOCOL.md 9.7): a message the device sends fits one datagram;
// reliable ordered messages to the device are reassembled in order into one fixed buffer; the
// device cannot inflate (DEFLATE toward a device is a protocol error).
#ifndef HYPERTCP_UDP_PEER_H
#define HYPERTCP_UDP_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "UdpWire.h"

#ifndef HYPERTCP_UDP_DATAGRAM_BYTES
#define HYPERTCP_UDP_DATAGRAM_BYTES 1200
#endif
#ifndef HYPERTCP_UDP_SEND_SLOTS
#define HYPERTCP_UDP_SEND_SLOTS 8
#endif
#ifndef HYPERTCP_UDP_MAX_MESSAGE
#define HYPERTCP_UDP_MAX_MESSAGE 4096
#endif
// Out-of-order reliable ordered messages the device holds (one datagram each); the broker keeps its
// window toward devices at this size (UdpTransport option deviceWindow).
#ifndef HYPERTCP_UDP_RECV_SLOTS
#define HYPERTCP_UDP_RECV_SLOTS 8
#endif
// Idle duplicates (PROTOCOL 9.5): while fewer than this many packets carrying reliable messages
// are in flight, a reliable message leaves twice at once (the same frames under the next packet
// number), so one loss on an idle link costs no retransmission wait. 0 turns it off.
#ifndef HYPERTCP_UDP_IDLE_DUPLICATES
#define HYPERTCP_UDP_IDLE_DUPLICATES 3
#endif
// Packets declared lost whose fate is still open (electron/udp/loss-suspects.ts, LOSS_SUSPECTS):
// a later ACK counts each as lost or as a spurious retransmission (and then delivers the message
// it carried); when all are taken the oldest gives way uncounted (nothing proved it lost). 24
// bytes each.
#ifndef HYPERTCP_UDP_LOSS_SUSPECTS
#define HYPERTCP_UDP_LOSS_SUSPECTS 16
#endif
// RTT samples: a reliable message's packets are timed by its send slot; the last this many other
// ack-eliciting packets (PINGs, unreliable messages) keep their send time here, so an ACK of any of
// them is a sample while they stream faster than one per RTT / this. 16 bytes each.
#ifndef HYPERTCP_UDP_RTT_PROBES
#define HYPERTCP_UDP_RTT_PROBES 4
#endif
#if HYPERTCP_UDP_DATAGRAM_BYTES < 256 || HYPERTCP_UDP_DATAGRAM_BYTES > 1452
#error "HYPERTCP_UDP_DATAGRAM_BYTES must be 256..1452"
#endif
#if HYPERTCP_UDP_SEND_SLOTS < 1 || HYPERTCP_UDP_SEND_SLOTS > 64
#error "HYPERTCP_UDP_SEND_SLOTS must be 1..64"
#endif
// 0 holds nothing out of order (the WINDOW frame still says 1: it may not be 0); the broker caps
// a device's window at 1024.
#if HYPERTCP_UDP_RECV_SLOTS < 0 || HYPERTCP_UDP_RECV_SLOTS > 1024
#error "HYPERTCP_UDP_RECV_SLOTS must be 0..1024"
#endif
// A reassembled message reaches the client as one envelope of at most 65535 bytes (the protocol's
// maximum message size, and the 16-bit frame length ClientCore::deliverEnvelope passes on).
#if HYPERTCP_UDP_MAX_MESSAGE < 1 || HYPERTCP_UDP_MAX_MESSAGE > 65535
#error "HYPERTCP_UDP_MAX_MESSAGE must be 1..65535"
#endif
#if HYPERTCP_UDP_IDLE_DUPLICATES < 0 || HYPERTCP_UDP_IDLE_DUPLICATES > 128
#error "HYPERTCP_UDP_IDLE_DUPLICATES must be 0..128"
#endif
#if HYPERTCP_UDP_LOSS_SUSPECTS < 1 || HYPERTCP_UDP_LOSS_SUSPECTS > 64
#error "HYPERTCP_UDP_LOSS_SUSPECTS must be 1..64"
#endif
#if HYPERTCP_UDP_RTT_PROBES < 1 || HYPERTCP_UDP_RTT_PROBES > 64
#error "HYPERTCP_UDP_RTT_PROBES must be 1..64"
#endif

namespace hypertcp {
namespace udp {

// What the session needs from a socket: Arduino WiFiUDP and POSIX adapters implement it.
class DatagramLink {
 public:
  virtual ~DatagramLink() {}
  virtual bool send(const uint8_t* data, size_t length) = 0;
  // Copies one pending datagram into buffer; returns its length, or -1 when none is waiting.
  virtual int receive(uint8_t* buffer, size_t capacity) = 0;
  // Points the link at the broker's UDP endpoint from a login grant (UdpLink); host is the one the
  // TCP client used. Links aimed at a fixed address keep it and need not override these.
  virtual bool open(const char* host, uint16_t port) {
    (void)host;
    (void)port;
    return true;
  }
  virtual void close() {}
};

struct UdpCounters {
  // idleDuplicates: packets sent a second time at once on an idle link (not retransmits).
  // lost: packets declared lost that a later ACK proved lost; spuriousRetransmits: packets declared
  // lost whose ACK came late (they had arrived; as the broker's, PROTOCOL 9.5). oldPhaseDrops:
  // packets of the previous key phase that came after its key was dropped (PROTOCOL 9.2).
  uint32_t packetsSent, packetsReceived, retransmits, idleDuplicates, lost, duplicates, failed, authFailures, replays, malformed,
      refused, spuriousRetransmits, oldPhaseDrops;
};

class UdpPeer {
 public:
  // Largest message the device sends in one datagram.
  static const size_t kMaxSendBytes = HYPERTCP_UDP_DATAGRAM_BYTES - kHelloHeaderBytes - kTagBytes - 19 - 8;

  // data is the peer's own plaintext copy: the callback may modify it in place (UdpLink adds a NUL).
  typedef void (*MessageFn)(void* context, const uint8_t* data, size_t length, uint8_t channel);
  typedef void (*DoneFn)(void* context, uint32_t seq, bool delivered);

  UdpPeer();
  // The device side of 9.1: from the login reply's sid and broker nonce (32 hex characters), the
  // token, and 16 bytes unique to this session (esp_random() on ESP32; uniqueness, not secrecy).
  bool beginFromLogin(DatagramLink* link, uint32_t sessionId, const char* serverNonceHex, const char* token,
                      const uint8_t deviceNonce[16], uint32_t nowMs);
  // helloNonce: the device nonce (device role); nullptr for the broker role (tests).
  void begin(DatagramLink* link, uint32_t sessionId, const DirectionKey& sendKey, const DirectionKey& recvKey,
             const uint8_t* helloNonce, uint32_t nowMs);
  void onMessage(MessageFn fn, void* context) { onMessage_ = fn, messageContext_ = context; }
  void onDone(DoneFn fn, void* context) { onDone_ = fn, doneContext_ = context; }

  // Queues and sends one message. Returns false when it is too large, no slot is free (reliable),
  // it would take the flight past the broker's replay window (a reliable message in flight is 64
  // packet numbers back), or the session is closed. Reliable messages report through onDone.
  bool send(const uint8_t* data, size_t length, uint8_t channel, uint32_t nowMs);
  // Reads every waiting datagram, then runs retransmission, heartbeat and dead-peer timers.
  void loop(uint32_t nowMs);
  void receiveDatagram(const uint8_t* d, size_t length, uint32_t nowMs);

  bool established() const { return !hello_; }
  bool closed() const { return closeReason_ != nullptr; }
  const char* closeReason() const { return closeReason_; }
  void close(const char* reason, uint32_t nowMs);
  uint32_t srttMs() const { return static_cast<uint32_t>(srtt_); }
  size_t freeSlots() const;
  const UdpCounters& counters() const { return counters_; }
  // Tests: start sending at this packet number.
  void setNextPacketNumber(uint64_t pn) { nextPn_ = pn; }
  // Tests: update the sending key at the next send (as after 2^22 packets) once the peer has
  // acknowledged a packet of the current key phase; and the cached current keys (zero when closed).
  void requestKeyUpdate();
  const SessionKey& sendKey() const { return sendKey_; }
  const SessionKey& recvKey() const { return recvKey_; }
  // Tests and diagnostics: the loss state (packet threshold, RTO backoff, the link seen to reorder).
  uint8_t packetThreshold() const { return packetThreshold_; }
  uint8_t rtoBackoff() const { return backoff_; }
  bool reorders() const;

 private:
  struct Slot {
    bool used;
    uint8_t channel;
    uint32_t seq;
    uint16_t length;
    uint64_t pn;      // its latest transmission; with an idle duplicate also in pn + 1
    uint8_t copies;   // packets of that transmission (2 with an idle duplicate)
    uint32_t sentAt;  // when that transmission left: an ACK naming one of its packets is an RTT sample
    uint8_t sends;
    uint8_t gen;  // counts the messages the slot has held: a suspect names the one it carried
    uint8_t data[kMaxSendBytes];
  };
  // What a packet is to the RTT: not ack-eliciting (ACK, CLOSE); ack-eliciting and timed in the
  // probe ring (PING, unreliable message); ack-eliciting and timed by its send slot (reliable).
  enum Kind { kAckOnly, kProbe, kInSlot };
  bool transmit(const uint8_t* plain, size_t length, Kind kind, uint32_t nowMs, uint64_t* pnOut);
  bool sendMsg(Slot* slot, const uint8_t* data, size_t length, uint8_t channel, uint32_t seq, uint32_t nowMs);
  size_t packetsInFlight(const Slot* except) const;
  uint64_t oldestSlot(const Slot* except) const;
  uint64_t oldestHeld(const Slot* except, uint32_t nowMs, bool youngOnly) const;
  bool withinWindow(uint64_t packets, const Slot* except, uint32_t nowMs) const;
  bool ackWithinWindow(uint32_t nowMs) const;
  void sawReordering();
  void endRecovery();
  bool owesAcks(uint32_t nowMs) const;
  uint32_t mayArriveMs() const;
  void sendAck(uint32_t nowMs);
  bool takeMessage(const Frame& f);
  void expirePreviousKey(uint32_t nowMs);
  void onAck(const Frame& f, uint32_t nowMs);
  bool acked(const Frame& f, uint64_t pn) const;
  void suspect(uint64_t pn, uint32_t sentAt, uint8_t backoff, uint64_t reorder, const Slot& sent);
  uint64_t judgeSuspects(const Frame& f, uint32_t nowMs, bool sampled);
  void sample(uint32_t rttMs);
  uint32_t rto() const;
  void finish(Slot& s, bool delivered);
  void deliverOrdered(const uint8_t* data, size_t length);
  void end(const char* reason);

  DatagramLink* link_;
  uint32_t sessionId_;
  // The current keys keep their AES key schedule (HYPERTCP_UDP_KEY_CACHE); the receiving key of
  // the next phase and of the previous one (late packets) serve a few packets per key update and
  // expand theirs per datagram. All are zeroed when the session ends.
  SessionKey sendKey_, recvKey_;
  DirectionKey recvNext_, recvPrev_;
  uint8_t sendPhase_, recvPhase_;
  bool hasPrev_;
  // recvPrev_ serves late packets of the previous phase until then (3 RTOs into the new phase).
  uint32_t recvPrevUntil_;
  uint64_t recvPhaseStart_, sendPhaseStart_, sendPhaseCount_, largestAcked_;
  bool anyAcked_;
  uint8_t helloNonce_[kNonceBytes];
  bool hello_;
  bool deviceRole_;
  uint64_t nextPn_;
  Window replay_, acks_;
  uint32_t nextSeq_[3];
  uint32_t orderedExpected_, unorderedFloor_, unreliableLast_;
  uint64_t unorderedSeen_;
  bool anyUnreliable_;
  // In-order reassembly of the next ordered message.
  uint8_t assembly_[HYPERTCP_UDP_MAX_MESSAGE];
  uint32_t assemblyTotal_, assemblyFill_;
  uint16_t assemblyNext_, assemblyCount_;
  Slot slots_[HYPERTCP_UDP_SEND_SLOTS];
  struct Held {
    bool used;
    uint32_t seq;
    uint16_t length;
    uint8_t data[kMaxSendBytes];
  };
  Held held_[HYPERTCP_UDP_RECV_SLOTS > 0 ? HYPERTCP_UDP_RECV_SLOTS : 1];
  // Declared lost, not yet proven either way: decided by the first ACK that covers pn (spurious)
  // or reaches boundary, the first packet number sent after the declaration, without it (lost; on
  // a link that reorders only once it is older than mayArriveMs() and while the ACK reaches it).
  struct Suspect {
    uint64_t pn, boundary;
    uint32_t sentAt;
    // Who declared it: a timeout, kByTimeout | the RTO backoff before it; else the packet
    // threshold, and how many packets past it were acknowledged then (at most 127).
    uint8_t declared;
    // The message it carried: its send slot and the slot's gen then. A suspect outlives its
    // message at most until the next one in the slot settles (that ACK reaches its boundary).
    uint8_t slot, gen;
    bool used;
  };
  Suspect suspects_[HYPERTCP_UDP_LOSS_SUSPECTS];
  // RTT: the last ack-eliciting packets that no send slot times (kProbe), oldest overwritten first;
  // a sample when one is the newest acknowledged, then forgotten (one sample per packet).
  struct Probe {
    uint64_t pn;
    uint32_t sentAt;
    bool used;
  };
  Probe probes_[HYPERTCP_UDP_RTT_PROBES];
  uint8_t nextProbe_;
  double srtt_, rttvar_;
  bool haveRtt_;
  uint8_t backoff_;
  // Loss after this many later packets acknowledged (3), widened by each spurious declaration to
  // the reorder distance it showed (at most kWindowSize), as the broker's Sender.packetThreshold.
  uint8_t packetThreshold_;
  // A broker packet came after a later one: the link reorders (Sender.reorders on the broker).
  bool reordered_;
  // The loss recovery under way (inRecovery_): an ACK reaching recoveryEnd_ (the first packet sent
  // after its first declaration) ends it. After kReorderPersistRecoveries of them with nothing seen
  // to reorder, packetThreshold_ and reordered_ go back to their defaults (RFC 8985 6.2).
  uint64_t recoveryEnd_;
  bool inRecovery_;
  uint8_t cleanRecoveries_;
  // When the broker last sent an ack-eliciting packet (owesAcks()).
  bool heardAckEliciting_;
  uint32_t lastAckElicitingAt_;
  uint32_t lastHeard_, lastSent_, lastHello_, largestReceivedAt_;
  bool ackPending_;
  const char* closeReason_;
  // A new number at every begin() and end(): a loop that hands data to the sketch stops when the
  // session it serves is gone, closed or begun anew by the sketch's own callback.
  uint32_t gen_ = 0;
  MessageFn onMessage_;
  void* messageContext_;
  DoneFn onDone_;
  void* doneContext_;
  UdpCounters counters_;
  uint8_t packet_[HYPERTCP_UDP_DATAGRAM_BYTES];
  uint8_t plain_[HYPERTCP_UDP_DATAGRAM_BYTES];
  uint8_t rx_[kMaxDatagramBytes];
  uint8_t rxPlain_[kMaxDatagramBytes];
};

}  // namespace udp
}  // namespace hypertcp

#endif
