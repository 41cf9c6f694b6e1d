// The UDP datagram format of docs/PROTOCOL.md section 9, device side: header, frames, the 64-packet
// replay/ack window and the session keys. No heap: everything works on caller-owned buffers.
#ifndef HYPERTCP_UDP_WIRE_H
#define HYPERTCP_UDP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "UdpCrypto.h"

// Keeps the AES-256 key schedule of the session's current sending and receiving keys expanded
// (SessionKey below), so a datagram costs only its own work (CTR, GHASH, the tag): 240 B of RAM
// per cached key, 2 per UdpPeer (480 B). 0 expands the schedule again for every datagram (as
// before; saves the 480 B, costs about 1.3 us per datagram on the host, ~0.3 ms on an ESP8266).
#ifndef HYPERTCP_UDP_KEY_CACHE
#define HYPERTCP_UDP_KEY_CACHE 1
#endif
#if HYPERTCP_UDP_KEY_CACHE != 0 && HYPERTCP_UDP_KEY_CACHE != 1
#error "HYPERTCP_UDP_KEY_CACHE must be 0 or 1"
#endif

namespace hypertcp {
namespace udp {

const uint8_t kVersion = 1;
const uint8_t kFlagKeyPhase = 0x01;
const uint8_t kFlagHello = 0x02;
const size_t kHeaderBytes = 13;
const size_t kNonceBytes = 16;
const size_t kHelloHeaderBytes = kHeaderBytes + kNonceBytes;
const size_t kTagBytes = 16;
const size_t kMaxDatagramBytes = 2048;
const uint64_t kMaxPacketNumber = (static_cast<uint64_t>(1) << 53) - 1;

enum HeaderError { kHeaderOk = 0, kTooShort, kTooLong, kBadVersion, kReservedBits, kPacketNumberRange };

struct Header {
  uint8_t keyPhase;
  bool hello;
  uint32_t sessionId;
  uint64_t packetNumber;
  const uint8_t* deviceNonce;  // points into the datagram when hello
  size_t length;               // header bytes (the AAD)
};

HeaderError decodeHeader(const uint8_t* d, size_t length, Header& out);
// Writes the header; deviceNonce may be null. Returns its length.
size_t encodeHeader(uint8_t* out, uint8_t keyPhase, uint32_t sessionId, uint64_t packetNumber, const uint8_t* deviceNonce);
const char* headerErrorName(HeaderError e);

// One direction's key: AES-256 key and 12-byte IV (HKDF output, 44 bytes).
struct DirectionKey {
  uint8_t key[32];
  uint8_t iv[12];
};

// dir is "d2s" or "s2d".
void deriveDirectionKey(const uint8_t tokenHash[32], const uint8_t serverNonce[16], const uint8_t deviceNonce[16],
                        uint32_t sessionId, const char* dir, DirectionKey& out);
void nextDirectionKey(const DirectionKey& current, DirectionKey& out);
void gcmNonce(const DirectionKey& k, uint64_t packetNumber, uint8_t out[12]);

// A direction key ready for many datagrams: with HYPERTCP_UDP_KEY_CACHE its AES-256 key schedule
// is expanded once, in set(), instead of per datagram. set() again whenever the key changes (new
// session, key update); wipe() zeroes all of it (key, IV, schedule) when the session ends. GCM's
// hash key H is not kept: it comes out of the same two-block AES pass as E(K, J0), for free.
class SessionKey {
 public:
  SessionKey() { wipe(); }
  void set(const DirectionKey& k);
  void wipe();
  const DirectionKey& key() const { return key_; }

 private:
  friend size_t sealDatagram(const SessionKey&, uint64_t, uint8_t*, size_t, const uint8_t*, size_t);
  friend bool openDatagram(const SessionKey&, const uint8_t*, size_t, const Header&, uint8_t*, size_t&);
  DirectionKey key_;
#if HYPERTCP_UDP_KEY_CACHE
  Aes256Gcm gcm_;  // the expanded key of key_.key
#endif
};

// Seals plaintext behind the header already written in out[0..headerLength): writes ciphertext and
// tag after it and returns the datagram length. out must hold headerLength + length + 16 bytes.
// The DirectionKey forms expand the key schedule for this datagram; the SessionKey forms reuse it.
size_t sealDatagram(const DirectionKey& k, uint64_t packetNumber, uint8_t* out, size_t headerLength, const uint8_t* plain,
                    size_t length);
size_t sealDatagram(const SessionKey& k, uint64_t packetNumber, uint8_t* out, size_t headerLength, const uint8_t* plain,
                    size_t length);
// Opens a datagram in place into plainOut (length = datagram - header - tag). False: not authentic.
bool openDatagram(const DirectionKey& k, const uint8_t* datagram, size_t length, const Header& h, uint8_t* plainOut,
                  size_t& plainLength);
bool openDatagram(const SessionKey& k, const uint8_t* datagram, size_t length, const Header& h, uint8_t* plainOut,
                  size_t& plainLength);

// The replay window (docs/PROTOCOL.md 9.3, as shared/protocol/udp/window.ts's WINDOW_SIZE): a
// packet more than this far below the newest one received is dropped as a replay, and an ACK's mask
// covers as many below its largest. A sender keeps what it has in flight within it (UdpPeer).
const uint64_t kWindowSize = 64;

// The 64-packet sliding window (replay protection, and what to acknowledge).
class Window {
 public:
  Window() : largest_(0), mask_(0), any_(false) {}
  enum Check { kNew, kDuplicate, kTooOld };
  Check check(uint64_t pn) const;
  void accept(uint64_t pn);
  bool any() const { return any_; }
  uint64_t largest() const { return largest_; }
  uint64_t mask() const { return mask_; }

 private:
  uint64_t largest_;
  uint64_t mask_;
  bool any_;
};

// Frames (9.4).
enum FrameType { kAck = 1, kPing = 2, kClose = 3, kMsg = 4, kWindow = 5 };
// CLOSE's reason byte (PROTOCOL.md 9.4).
enum CloseCode : uint8_t { kCloseNormal = 0, kCloseTimeout = 1, kCloseProtocol = 2, kCloseExhausted = 3 };
enum Channel { kUnreliable = 0, kReliableOrdered = 1, kReliableUnordered = 2 };

struct Frame {
  uint8_t type;
  // ACK
  uint64_t largest;
  uint16_t delayMs;
  uint64_t mask;
  // CLOSE
  uint8_t reason;
  // WINDOW
  uint16_t window;
  // MSG
  uint8_t channel;
  bool deflate;
  uint32_t seq;
  bool fragmented;
  uint16_t index, count;
  uint32_t total;
  const uint8_t* data;
  uint16_t dataLength;
};

// Iterates the frames of a plaintext. next() returns 1 with a frame, 0 at the end, -1 on a malformed
// frame (the whole datagram must then be rejected; error() names why).
class FrameReader {
 public:
  FrameReader(const uint8_t* p, size_t length) : p_(p), length_(length), at_(0), error_(length == 0 ? "empty" : nullptr) {}
  int next(Frame& f);
  // Reads every frame once, taking none (the same rules as next(): headers and lengths only, no
  // copy), then starts again at the first. False when one is malformed: error() names why and
  // next() returns -1 from then on. A receiver calls it before acting on any frame, since one
  // malformed frame rejects the whole datagram (PROTOCOL.md 9.4; decodeFrames in
  // shared/protocol/udp/frames.ts checks all of them first too).
  bool validate();
  const char* error() const { return error_; }

 private:
  const uint8_t* p_;
  size_t length_;
  size_t at_;
  const char* error_;
};

// Writers return the offset after the frame, or 0 when it does not fit in capacity.
size_t writeAck(uint8_t* out, size_t at, size_t capacity, uint64_t largest, uint16_t delayMs, uint64_t mask);
size_t writePing(uint8_t* out, size_t at, size_t capacity);
size_t writeClose(uint8_t* out, size_t at, size_t capacity, uint8_t reason);
size_t writeWindow(uint8_t* out, size_t at, size_t capacity, uint16_t window);
size_t writeMsg(uint8_t* out, size_t at, size_t capacity, uint8_t channel, uint32_t seq, const uint8_t* data, uint16_t length,
                bool deflate = false, const Frame* fragment = nullptr);

}  // namespace udp
}  // namespace hypertcp

#endif
