#include "UdpWire.h"

#include <string.h>

namespace hypertcp {
namespace udp {

namespace {
uint32_t rd32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint64_t rd64(const uint8_t* p) { return (static_cast<uint64_t>(rd32(p)) << 32) | rd32(p + 4); }
void wr16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void wr32(uint8_t* p, uint32_t v) {
  wr16(p, static_cast<uint16_t>(v >> 16));
  wr16(p + 2, static_cast<uint16_t>(v));
}
void wr64(uint8_t* p, uint64_t v) {
  wr32(p, static_cast<uint32_t>(v >> 32));
  wr32(p + 4, static_cast<uint32_t>(v));
}
}  // namespace

HeaderError decodeHeader(const uint8_t* d, size_t length, Header& out) {
  if (length > kMaxDatagramBytes) return kTooLong;
  if (length < kHeaderBytes + 1 + kTagBytes) return kTooShort;
  if ((d[0] >> 4) != kVersion) return kBadVersion;
  if (d[0] & 0x0c) return kReservedBits;
  out.hello = (d[0] & kFlagHello) != 0;
  out.keyPhase = d[0] & kFlagKeyPhase;
  out.length = out.hello ? kHelloHeaderBytes : kHeaderBytes;
  if (length < out.length + 1 + kTagBytes) return kTooShort;
  out.sessionId = rd32(d + 1);
  out.packetNumber = rd64(d + 5);
  if (out.packetNumber > kMaxPacketNumber) return kPacketNumberRange;
  out.deviceNonce = out.hello ? d + kHeaderBytes : nullptr;
  return kHeaderOk;
}

const char* headerErrorName(HeaderError e) {
  switch (e) {
    case kHeaderOk: return "ok";
    case kTooShort: return "too_short";
    case kTooLong: return "too_long";
    case kBadVersion: return "bad_version";
    case kReservedBits: return "reserved_bits";
    case kPacketNumberRange: return "packet_number_range";
  }
  return "?";
}

size_t encodeHeader(uint8_t* out, uint8_t keyPhase, uint32_t sessionId, uint64_t packetNumber, const uint8_t* deviceNonce) {
  out[0] = static_cast<uint8_t>((kVersion << 4) | (deviceNonce ? kFlagHello : 0) | (keyPhase & 1));
  wr32(out + 1, sessionId);
  wr64(out + 5, packetNumber);
  if (!deviceNonce) return kHeaderBytes;
  memcpy(out + kHeaderBytes, deviceNonce, kNonceBytes);
  return kHelloHeaderBytes;
}

void deriveDirectionKey(const uint8_t tokenHash[32], const uint8_t serverNonce[16], const uint8_t deviceNonce[16],
                        uint32_t sessionId, const char* dir, DirectionKey& out) {
  uint8_t salt[32];
  memcpy(salt, serverNonce, 16);
  memcpy(salt + 16, deviceNonce, 16);
  uint8_t info[20];
  memcpy(info, "hypertcp-udp ", 13);
  memcpy(info + 13, dir, 3);
  wr32(info + 16, sessionId);
  uint8_t okm[44];
  hkdfSha256(tokenHash, 32, salt, 32, info, sizeof info, okm, sizeof okm);
  memcpy(out.key, okm, 32);
  memcpy(out.iv, okm + 32, 12);
  wipeBytes(okm, sizeof okm);
}

void nextDirectionKey(const DirectionKey& current, DirectionKey& out) {
  static const char info[] = "hypertcp-udp ku";
  uint8_t okm[44];
  hkdfSha256(current.key, 32, nullptr, 0, reinterpret_cast<const uint8_t*>(info), sizeof info - 1, okm, sizeof okm);
  memcpy(out.key, okm, 32);
  memcpy(out.iv, okm + 32, 12);
  wipeBytes(okm, sizeof okm);
}

void gcmNonce(const DirectionKey& k, uint64_t packetNumber, uint8_t out[12]) {
  memcpy(out, k.iv, 12);
  for (int i = 0; i < 8; i++) out[4 + i] ^= static_cast<uint8_t>(packetNumber >> (56 - 8 * i));
}

void SessionKey::set(const DirectionKey& k) {
  key_ = k;
#if HYPERTCP_UDP_KEY_CACHE
  gcm_.setKey(key_.key);
#endif
}

void SessionKey::wipe() { wipeBytes(this, sizeof *this); }

namespace {
size_t sealWith(const Aes256Gcm& gcm, const DirectionKey& k, uint64_t packetNumber, uint8_t* out, size_t headerLength,
                const uint8_t* plain, size_t length) {
  uint8_t nonce[12];
  gcmNonce(k, packetNumber, nonce);
  gcm.seal(nonce, out, headerLength, plain, length, out + headerLength, out + headerLength + length);
  wipeBytes(nonce, sizeof nonce);  // the IV (XOR the public packet number)
  return headerLength + length + kTagBytes;
}

bool openWith(const Aes256Gcm& gcm, const DirectionKey& k, const uint8_t* datagram, size_t length, const Header& h,
              uint8_t* plainOut, size_t plainLength) {
  uint8_t nonce[12];
  gcmNonce(k, h.packetNumber, nonce);
  bool ok = gcm.open(nonce, datagram, h.length, datagram + h.length, plainLength, datagram + length - kTagBytes, plainOut);
  wipeBytes(nonce, sizeof nonce);
  return ok;
}
}  // namespace

size_t sealDatagram(const DirectionKey& k, uint64_t packetNumber, uint8_t* out, size_t headerLength, const uint8_t* plain,
                    size_t length) {
  Aes256Gcm gcm;
  gcm.setKey(k.key);
  size_t n = sealWith(gcm, k, packetNumber, out, headerLength, plain, length);
  wipeBytes(&gcm, sizeof gcm);
  return n;
}

size_t sealDatagram(const SessionKey& k, uint64_t packetNumber, uint8_t* out, size_t headerLength, const uint8_t* plain,
                    size_t length) {
#if HYPERTCP_UDP_KEY_CACHE
  return sealWith(k.gcm_, k.key_, packetNumber, out, headerLength, plain, length);
#else
  return sealDatagram(k.key_, packetNumber, out, headerLength, plain, length);
#endif
}

bool openDatagram(const DirectionKey& k, const uint8_t* datagram, size_t length, const Header& h, uint8_t* plainOut,
                  size_t& plainLength) {
  if (length < h.length + kTagBytes) return false;
  plainLength = length - h.length - kTagBytes;
  Aes256Gcm gcm;
  gcm.setKey(k.key);
  bool ok = openWith(gcm, k, datagram, length, h, plainOut, plainLength);
  wipeBytes(&gcm, sizeof gcm);
  return ok;
}

bool openDatagram(const SessionKey& k, const uint8_t* datagram, size_t length, const Header& h, uint8_t* plainOut,
                  size_t& plainLength) {
#if HYPERTCP_UDP_KEY_CACHE
  if (length < h.length + kTagBytes) return false;
  plainLength = length - h.length - kTagBytes;
  return openWith(k.gcm_, k.key_, datagram, length, h, plainOut, plainLength);
#else
  return openDatagram(k.key_, datagram, length, h, plainOut, plainLength);
#endif
}

Window::Check Window::check(uint64_t pn) const {
  if (!any_ || pn > largest_) return kNew;
  if (pn == largest_) return kDuplicate;
  uint64_t back = largest_ - pn - 1;
  if (back >= kWindowSize) return kTooOld;
  return ((mask_ >> back) & 1) ? kDuplicate : kNew;
}

void Window::accept(uint64_t pn) {
  if (!any_ || pn > largest_) {
    uint64_t shift = any_ ? pn - largest_ : 65;
    // The old largest moves to bit shift-1; beyond 64 everything falls out of the window.
    if (shift > 64) mask_ = 0;
    else mask_ = (shift == 64 ? 0 : (mask_ << shift)) | (static_cast<uint64_t>(1) << (shift - 1));
    largest_ = pn;
    any_ = true;
    return;
  }
  uint64_t back = largest_ - pn - 1;
  if (pn < largest_ && back < 64) mask_ |= static_cast<uint64_t>(1) << back;
}

int FrameReader::next(Frame& f) {
  if (error_) return -1;
  if (at_ >= length_) return 0;
  const uint8_t* p = p_ + at_;
  size_t left = length_ - at_;
  memset(&f, 0, sizeof f);
  f.type = p[0];
  switch (p[0]) {
    case kAck:
      if (left < 19) return error_ = "ack_truncated", -1;
      f.largest = rd64(p + 1);
      if (f.largest > kMaxPacketNumber) return error_ = "ack_range", -1;
      f.delayMs = rd16(p + 9);
      f.mask = rd64(p + 11);
      at_ += 19;
      return 1;
    case kPing:
      at_ += 1;
      return 1;
    case kClose:
      if (left < 2) return error_ = "close_truncated", -1;
      f.reason = p[1];
      at_ += 2;
      return 1;
    case kWindow:
      if (left < 3) return error_ = "window_truncated", -1;
      f.window = rd16(p + 1);
      if (f.window == 0) return error_ = "window_zero", -1;
      at_ += 3;
      return 1;
    case kMsg: {
      if (left < 8) return error_ = "msg_truncated", -1;
      uint8_t flags = p[1];
      f.channel = flags & 3;
      if (f.channel == 3 || (flags & 0xf0)) return error_ = "msg_flags", -1;
      f.deflate = (flags & 0x04) != 0;
      f.fragmented = (flags & 0x08) != 0;
      f.seq = rd32(p + 2);
      size_t at = 6;
      if (f.fragmented) {
        if (left < 16) return error_ = "msg_truncated", -1;
        f.index = rd16(p + 6);
        f.count = rd16(p + 8);
        f.total = rd32(p + 10);
        if (f.count < 2 || f.index >= f.count) return error_ = "fragment_index", -1;
        at = 14;
      }
      f.dataLength = rd16(p + at);
      at += 2;
      if (at + f.dataLength > left) return error_ = "msg_truncated", -1;
      f.data = p + at;
      at_ += at + f.dataLength;
      return 1;
    }
    default:
      return error_ = "unknown_frame", -1;
  }
}

bool FrameReader::validate() {
  Frame f;
  int r;
  while ((r = next(f)) == 1) {
  }
  at_ = 0;
  return r == 0;
}

size_t writeAck(uint8_t* out, size_t at, size_t capacity, uint64_t largest, uint16_t delayMs, uint64_t mask) {
  if (at + 19 > capacity) return 0;
  out[at] = kAck;
  wr64(out + at + 1, largest);
  wr16(out + at + 9, delayMs);
  wr64(out + at + 11, mask);
  return at + 19;
}

size_t writePing(uint8_t* out, size_t at, size_t capacity) {
  if (at + 1 > capacity) return 0;
  out[at] = kPing;
  return at + 1;
}

size_t writeClose(uint8_t* out, size_t at, size_t capacity, uint8_t reason) {
  if (at + 2 > capacity) return 0;
  out[at] = kClose;
  out[at + 1] = reason;
  return at + 2;
}

size_t writeWindow(uint8_t* out, size_t at, size_t capacity, uint16_t window) {
  if (at + 3 > capacity) return 0;
  out[at] = kWindow;
  wr16(out + at + 1, window);
  return at + 3;
}

size_t writeMsg(uint8_t* out, size_t at, size_t capacity, uint8_t channel, uint32_t seq, const uint8_t* data, uint16_t length,
                bool deflate, const Frame* fragment) {
  size_t need = (fragment ? 16 : 8) + static_cast<size_t>(length);
  if (at + need > capacity) return 0;
  out[at] = kMsg;
  out[at + 1] = static_cast<uint8_t>((channel & 3) | (deflate ? 0x04 : 0) | (fragment ? 0x08 : 0));
  wr32(out + at + 2, seq);
  size_t i = at + 6;
  if (fragment) {
    wr16(out + i, fragment->index);
    wr16(out + i + 2, fragment->count);
    wr32(out + i + 4, fragment->total);
    i += 8;
  }
  wr16(out + i, length);
  if (length) memcpy(out + i + 2, data, length);
  return i + 2 + length;
}

}  // namespace udp
}  // namespace hypertcp
