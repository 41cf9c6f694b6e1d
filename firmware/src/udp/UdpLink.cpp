#include "UdpLink.h"

#if HYPERTCP_ENABLE_UDP

#include <string.h>

#include "../hypertcp/Envelope.h"
#include "../hypertcp/JsonScan.h"
#include "UdpCrypto.h"

namespace hypertcp {
namespace udp {

const char* routeName(Route route) {
  return route == Route::Udp ? "udp" : route == Route::Tcp ? "tcp" : "none";
}

Route chooseRoute(Delivery delivery, size_t envelopeBytes, bool udpUp, bool udpSlotFree, bool tcpOnline) {
  bool udpFits = udpUp && envelopeBytes <= UdpPeer::kMaxSendBytes;
  if (delivery == Delivery::Latest && udpFits) return Route::Udp;  // unreliable sends need no slot
  if (delivery == Delivery::Reliable && udpFits && udpSlotFree) return Route::Udp;
  return tcpOnline ? Route::Tcp : Route::None;
}

namespace {
// A JSON integer span (digits only) as u32; false when it is not one. 32-bit arithmetic only.
bool toU32(const json::Span& value, uint32_t& out) {
  if (value.ptr == nullptr || value.len == 0 || value.len > 10) return false;
  uint32_t n = 0;
  for (size_t i = 0; i < value.len; i++) {
    char c = value.ptr[i];
    if (c < '0' || c > '9') return false;
    uint32_t digit = static_cast<uint32_t>(c - '0');
    if (n > (0xFFFFFFFFu - digit) / 10) return false;
    n = n * 10 + digit;
  }
  out = n;
  return true;
}
}  // namespace

bool parseUdpGrant(const char* reply, size_t length, UdpGrant& out) {
  json::Span udp, port, sid;
  if (!json::find(reply, length, "udp", udp) || udp.ptr[0] != '{') return false;
  uint32_t portValue = 0;
  if (!json::find(udp.ptr, udp.len, "port", port) || !toU32(port, portValue) || portValue == 0 || portValue > 65535) {
    return false;
  }
  if (!json::find(udp.ptr, udp.len, "sid", sid) || !toU32(sid, out.sid) || out.sid == 0) return false;
  if (!json::getString(udp.ptr, udp.len, "nonce", out.nonce, sizeof out.nonce) || strlen(out.nonce) != 32) return false;
  out.port = static_cast<uint16_t>(portValue);
  return true;
}

UdpLink::UdpLink(ClientCore& client, DatagramLink& datagrams)
    : client_(client),
      datagrams_(datagrams),
      enabled_(true),
      active_(false),
      sessionId_(0),
      now_(0),
      nonceCounter_(0),
      nonceFn_(nullptr),
      doneFn_(nullptr),
      doneContext_(nullptr),
      sentUdp_(0),
      sentTcp_(0),
      receivedUdp_(0) {
  client_.attachUdp(this);
}

void UdpLink::setEnabled(bool enabled) {
  enabled_ = enabled;
  client_.attachUdp(enabled ? this : nullptr);
  if (!enabled) udpStop();
}

void UdpLink::setNonceSource(void (*fill)(uint8_t nonce[16])) { nonceFn_ = fill; }

void UdpLink::makeNonce(uint8_t nonce[16]) {
  if (nonceFn_) return nonceFn_(nonce);
  // Uniqueness is what matters (the broker's nonce brings freshness): never the same input twice.
  struct {
    uint32_t seed, now, counter;
    const void* self;
  } input = {platformRandomSeed(), platformMillis(), ++nonceCounter_, this};
  uint8_t digest[32];
  Sha256 sha;
  sha.update(reinterpret_cast<const uint8_t*>(&input), sizeof input);
  sha.finish(digest);
  memcpy(nonce, digest, 16);
}

void UdpLink::udpLogin(const char* reply, size_t length, const char* token, const char* host, uint32_t now) {
  udpStop();
  now_ = now;
  UdpGrant grant;
  if (!parseUdpGrant(reply, length, grant)) return;  // no grant: this session stays on TCP
  if (!datagrams_.open(host, grant.port)) return;
  uint8_t nonce[16];
  makeNonce(nonce);
  if (!peer_.beginFromLogin(&datagrams_, grant.sid, grant.nonce, token, nonce, now)) {
    datagrams_.close();
    return;
  }
  peer_.onMessage(onPeerMessage, this);
  peer_.onDone(onPeerDone, this);
  sessionId_ = grant.sid;
  active_ = true;
}

void UdpLink::udpPoll(uint32_t now) {
  now_ = now;
  if (active_ && !peer_.closed()) peer_.loop(now);
}

void UdpLink::udpStop() {
  if (!active_) return;
  active_ = false;
  if (!peer_.closed()) peer_.close("tcp_closed", now_);
  datagrams_.close();
}

Route UdpLink::send(const char* target, const char* json, Delivery delivery) {
  return send(target, json, json ? strlen(json) : 0, delivery);
}

Route UdpLink::send(const char* target, const char* json, size_t length, Delivery delivery) {
  size_t targetLength = target ? strlen(target) : 0;
  bool valid = isValidId(target, targetLength) && json != nullptr && checkPayload(json, length) == Error::None;
  size_t envelope = envelopeLength(targetLength, length);
  Route route = chooseRoute(delivery, envelope, up(), peer_.freeSlots() > 0, client_.connected());
  if (valid && route == Route::Udp) {
    uint8_t datagram[UdpPeer::kMaxSendBytes];
    writeEnvelope(reinterpret_cast<char*>(datagram), sizeof datagram, target, json, length);
    uint8_t channel = delivery == Delivery::Latest ? kUnreliable : kReliableOrdered;
    if (peer_.send(datagram, envelope, channel, now_)) {
      sentUdp_++;
      return Route::Udp;
    }
    if (!client_.connected()) return Route::None;  // refused by UDP, and TCP is down
  }
  // TCP (or an invalid message: the client records why in lastError()).
  bool broadcast = targetLength == 9 && memcmp(target, "broadcast", 9) == 0;
  uint16_t id = broadcast ? client_.broadcastMessage(json, length) : client_.sendMessage(target, json, length);
  if (id == 0) return Route::None;
  sentTcp_++;
  return Route::Tcp;
}

void UdpLink::onPeerMessage(void* self, const uint8_t* data, size_t length, uint8_t) {
  UdpLink& link = *static_cast<UdpLink*>(self);
  link.receivedUdp_++;
  // The peer's own plaintext buffer (UdpPeer.h: writable during the callback).
  link.client_.deliverEnvelope(reinterpret_cast<char*>(const_cast<uint8_t*>(data)), length);
}

void UdpLink::onPeerDone(void* self, uint32_t seq, bool delivered) {
  UdpLink& link = *static_cast<UdpLink*>(self);
  if (link.doneFn_) link.doneFn_(link.doneContext_, seq, delivered);
}

}  // namespace udp
}  // namespace hypertcp

#endif
