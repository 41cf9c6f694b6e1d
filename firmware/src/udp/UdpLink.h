// The device's UDP side joined to its TCP client (docs/PROTOCOL.md 9, docs/FIRMWARE.md "UDP"):
// asks for UDP at login, opens the granted session, drives it from the client's run(), ends it
// with the TCP session, hands UDP deliveries to the client's message handlers, and send() picks
// UDP or TCP per message. No heap: the UdpPeer is a member (about 30 KB with the defaults).
//   PosixUdpLink datagrams;                    // or ArduinoUdpLink<WiFiUDP, IPAddress>
//   hypertcp::udp::UdpLink udp(client, datagrams);
//   udp.send("server", "{\"t\":21.5}", hypertcp::udp::Delivery::Latest);
#ifndef HYPERTCP_UDP_LINK_H
#define HYPERTCP_UDP_LINK_H

#include "../hypertcp/ClientCore.h"

#if HYPERTCP_ENABLE_UDP

#include "UdpPeer.h"

namespace hypertcp {
namespace udp {

// What a message needs from its transport.
enum class Delivery : uint8_t {
  Latest,    // telemetry: the newest value matters, a lost one does not (UDP unreliable)
  Reliable,  // commands, state: exactly once, in order (UDP reliable ordered, or TCP)
  Acked,     // needs the broker's per-message status (TARGET_OFFLINE, ...): TCP only
};
enum class Route : uint8_t { None, Udp, Tcp };
const char* routeName(Route route);

// The selection rule, kept pure for tests: UDP when the session is up, the envelope fits one
// datagram and (reliable) a send slot is free; Acked always TCP; otherwise TCP while online.
Route chooseRoute(Delivery delivery, size_t envelopeBytes, bool udpUp, bool udpSlotFree, bool tcpOnline);

class UdpLink : private UdpHook {
 public:
  UdpLink(ClientCore& client, DatagramLink& datagrams);
  // Opt out (or back in) before the next login: false leaves "udp" out of the LOGIN.
  void setEnabled(bool enabled);
  // 16 bytes unique per session (PROTOCOL 9.6). Default: SHA-256 over the platform seed, the
  // clock, a counter and this object's address. Pass esp_random()-backed bytes on ESP32.
  void setNonceSource(void (*fill)(uint8_t nonce[16]));

  // Sends target/json (as ClientCore::sendMessage) over the route chooseRoute() picks, falling
  // back to TCP when the UDP send is refused. Route::None: not sent, client.lastError() says why
  // (or Error::None when UDP refused and TCP is down). "broadcast" as target broadcasts.
  Route send(const char* target, const char* json, size_t length, Delivery delivery = Delivery::Reliable);
  Route send(const char* target, const char* json, Delivery delivery = Delivery::Reliable);

  bool up() const { return active_ && peer_.established() && !peer_.closed(); }  // session open
  bool granted() const { return active_; }  // the broker granted a session (it may be pending)
  uint32_t sessionId() const { return active_ ? sessionId_ : 0; }
  const char* closeReason() const { return peer_.closeReason(); }
  const UdpPeer& peer() const { return peer_; }
  UdpPeer& peer() { return peer_; }
  // Called for each reliable message sent over UDP: delivered or given up (session then closes).
  void onDone(UdpPeer::DoneFn fn, void* context) { doneFn_ = fn, doneContext_ = context; }
  uint32_t sentUdp() const { return sentUdp_; }
  uint32_t sentTcp() const { return sentTcp_; }
  uint32_t receivedUdp() const { return receivedUdp_; }

 private:
  UdpLink(const UdpLink&);
  UdpLink& operator=(const UdpLink&);
  void udpLogin(const char* reply, size_t length, const char* token, const char* host, uint32_t now) override;
  void udpPoll(uint32_t now) override;
  void udpStop() override;
  void makeNonce(uint8_t nonce[16]);
  static void onPeerMessage(void* self, const uint8_t* data, size_t length, uint8_t channel);
  static void onPeerDone(void* self, uint32_t seq, bool delivered);

  ClientCore& client_;
  DatagramLink& datagrams_;
  bool enabled_, active_;
  uint32_t sessionId_, now_, nonceCounter_;
  void (*nonceFn_)(uint8_t nonce[16]);
  UdpPeer::DoneFn doneFn_;
  void* doneContext_;
  uint32_t sentUdp_, sentTcp_, receivedUdp_;
  UdpPeer peer_;
};

// The "udp" object of a login reply: {"port":P,"sid":S,"nonce":"32 hex"}. False when absent or bad.
struct UdpGrant {
  uint16_t port;
  uint32_t sid;
  char nonce[33];
};
bool parseUdpGrant(const char* reply, size_t length, UdpGrant& out);

}  // namespace udp
}  // namespace hypertcp

#endif
#endif
