// UdpLink: the TCP client and its UDP side together. TCP is the scripted transport (the test plays
// the broker's TCP end), UDP a pair of in-memory queues to a broker-role UdpPeer with the keys the
// login grant implies. Covers the LOGIN flag, the grant, send()'s route choice, UDP deliveries to
// the client's handlers, and the UDP session ending with the TCP one.
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hypertcp/Envelope.h"
#include "udp_rig.h"

using namespace hypertcp::udp;
using namespace udptest;


TEST(udp_route_rule) {
  const size_t fits = 100, tooBig = UdpPeer::kMaxSendBytes + 1;
  CHECK(chooseRoute(Delivery::Latest, fits, true, false, true) == Route::Udp);  // no slot needed
  CHECK(chooseRoute(Delivery::Reliable, fits, true, true, true) == Route::Udp);
  CHECK(chooseRoute(Delivery::Reliable, fits, true, false, true) == Route::Tcp);  // slots full
  CHECK(chooseRoute(Delivery::Reliable, tooBig, true, true, true) == Route::Tcp);
  CHECK(chooseRoute(Delivery::Latest, tooBig, true, true, true) == Route::Tcp);
  CHECK(chooseRoute(Delivery::Latest, UdpPeer::kMaxSendBytes, true, true, true) == Route::Udp);  // the edge fits
  CHECK(chooseRoute(Delivery::Acked, fits, true, true, true) == Route::Tcp);
  CHECK(chooseRoute(Delivery::Latest, fits, false, true, true) == Route::Tcp);  // UDP down
  CHECK(chooseRoute(Delivery::Latest, fits, false, true, false) == Route::None);
  CHECK(chooseRoute(Delivery::Latest, fits, true, true, false) == Route::Udp);  // UDP alone is enough
  CHECK_STR(routeName(Route::Udp), "udp");
}

TEST(udp_grant_parsing) {
  UdpGrant g;
  CHECK(parseUdpGrant(kGrantReply, strlen(kGrantReply), g));
  CHECK_EQ(g.port, 9000);
  CHECK_EQ(g.sid, kSid);
  CHECK_STR(g.nonce, "000102030405060708090a0b0c0d0e0f");
  const char maxSid[] = "{\"udp\":{\"port\":1,\"sid\":4294967295,\"nonce\":\"ffffffffffffffffffffffffffffffff\"}}";
  CHECK(parseUdpGrant(maxSid, strlen(maxSid), g) && g.sid == 4294967295u);
  const char* bad[] = {
      "{\"id\":\"lamp\"}",
      "{\"udp\":true}",
      "{\"udp\":{\"port\":0,\"sid\":1,\"nonce\":\"000102030405060708090a0b0c0d0e0f\"}}",
      "{\"udp\":{\"port\":70000,\"sid\":1,\"nonce\":\"000102030405060708090a0b0c0d0e0f\"}}",
      "{\"udp\":{\"port\":1,\"sid\":4294967296,\"nonce\":\"000102030405060708090a0b0c0d0e0f\"}}",
      "{\"udp\":{\"port\":1,\"sid\":0,\"nonce\":\"000102030405060708090a0b0c0d0e0f\"}}",
      "{\"udp\":{\"port\":1,\"sid\":-5,\"nonce\":\"000102030405060708090a0b0c0d0e0f\"}}",
      "{\"udp\":{\"port\":1,\"sid\":1,\"nonce\":\"0001\"}}",
      "{\"udp\":{\"port\":1,\"sid\":1}}",
  };
  for (const char* text : bad) CHECK(!parseUdpGrant(text, strlen(text), g));
}

TEST(udp_login_asks_and_opens_the_granted_session) {
  static Rig rig;
  CHECK(test::login(rig.client, rig.tcp, false, kGrantReply));
  // The LOGIN frame (first bytes the client wrote) ends with "udp":true.
  size_t length = static_cast<size_t>(rig.tcp.out[3] << 8 | rig.tcp.out[4]);
  const char* login = reinterpret_cast<const char*>(rig.tcp.out + 5);
  CHECK(length > 12 && memcmp(login + length - 12, ",\"udp\":true}", 12) == 0);
  CHECK(rig.udp.granted());
  CHECK(!rig.udp.up());  // HELLO sent, broker not heard yet
  CHECK_STR(rig.deviceLink.host, "broker.local");
  CHECK_EQ(rig.deviceLink.port, 9000);
  CHECK_EQ(rig.toBroker.count, 1u);  // the HELLO
  rig.startBroker();
  rig.step(20);
  CHECK(rig.udp.up());
  CHECK_EQ(rig.udp.sessionId(), kSid);
}

TEST(udp_send_routes_by_delivery_and_state) {
  static Rig rig;
  CHECK(test::login(rig.client, rig.tcp, false, kGrantReply));
  // Before the session is up everything goes over TCP.
  rig.tcp.dropOutput();
  CHECK(rig.udp.send("server", "{\"t\":1}", Delivery::Latest) == Route::Tcp);
  CHECK(rig.tcp.expectFrame(hypertcp::Command::JsonMessage, 2, "{\"targetId\":\"server\",\"payload\":{\"t\":1}}"));
  rig.startBroker();
  rig.step(20);
  CHECK(rig.udp.up());
  // Telemetry: UDP unreliable, the exact envelope.
  CHECK(rig.udp.send("server", "{\"t\":2}", Delivery::Latest) == Route::Udp);
  rig.step(2);
  CHECK_EQ(rig.atBroker.count, 1);
  CHECK_EQ(rig.atBroker.channel, kUnreliable);
  CHECK_STR(rig.atBroker.text, "{\"targetId\":\"server\",\"payload\":{\"t\":2}}");
  // State: UDP reliable ordered.
  CHECK(rig.udp.send("lamp-2", "{\"state\":{\"relay1\":true}}", Delivery::Reliable) == Route::Udp);
  rig.step(2);
  CHECK_EQ(rig.atBroker.count, 2);
  CHECK_EQ(rig.atBroker.channel, kReliableOrdered);
  CHECK_STR(rig.atBroker.text, "{\"targetId\":\"lamp-2\",\"payload\":{\"state\":{\"relay1\":true}}}");
  // Needs the broker's status: TCP.
  rig.tcp.dropOutput();
  CHECK(rig.udp.send("server", "{\"t\":3}", Delivery::Acked) == Route::Tcp);
  CHECK(rig.tcp.expectFrame(hypertcp::Command::JsonMessage, 3, "{\"targetId\":\"server\",\"payload\":{\"t\":3}}"));
  CHECK_EQ(rig.udp.sentUdp(), 2u);
  CHECK_EQ(rig.udp.sentTcp(), 2u);
}

TEST(udp_reliable_falls_back_to_tcp_when_slots_are_full) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  rig.toBroker.blocked = true;  // nothing reaches the broker, so nothing is acknowledged
  int udp = 0;
  for (int i = 0; i < HYPERTCP_UDP_SEND_SLOTS; i++) udp += rig.udp.send("server", "{\"r\":1}", Delivery::Reliable) == Route::Udp;
  CHECK_EQ(udp, HYPERTCP_UDP_SEND_SLOTS);
  CHECK_EQ(rig.udp.peer().freeSlots(), 0u);
  rig.tcp.dropOutput();
  CHECK(rig.udp.send("server", "{\"r\":2}", Delivery::Reliable) == Route::Tcp);
  CHECK(rig.tcp.expectFrame(hypertcp::Command::JsonMessage, 2, "{\"targetId\":\"server\",\"payload\":{\"r\":2}}"));
  // Telemetry needs no slot: still UDP.
  CHECK(rig.udp.send("server", "{\"t\":1}", Delivery::Latest) == Route::Udp);
}

TEST(udp_size_rule_at_the_datagram_limit) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  // An envelope of exactly kMaxSendBytes goes over UDP; one byte more cannot (and is too large
  // for this build's 1024-byte TCP buffer as well, so it is refused with PayloadTooLarge).
  static char json[2048];
  size_t overhead = hypertcp::envelopeLength(6, 0) + 8;  // {"p":"..."} around the padding
  size_t pad = UdpPeer::kMaxSendBytes - overhead;
  snprintf(json, sizeof json, "{\"p\":\"%0*d\"}", static_cast<int>(pad), 0);
  CHECK_EQ(hypertcp::envelopeLength(6, strlen(json)), UdpPeer::kMaxSendBytes);
  CHECK(rig.udp.send("server", json, Delivery::Latest) == Route::Udp);
  rig.step(2);
  CHECK_EQ(rig.atBroker.count, 1);
  CHECK_EQ(strlen(rig.atBroker.text), UdpPeer::kMaxSendBytes);
  snprintf(json, sizeof json, "{\"p\":\"%0*d\"}", static_cast<int>(pad + 1), 0);
  CHECK(rig.udp.send("server", json, Delivery::Latest) == Route::None);
  CHECK(rig.client.lastError() == hypertcp::Error::PayloadTooLarge);
  // A small one over TCP when it must: size alone decides nothing else.
  CHECK(rig.udp.send("server", "{\"a\":1}", Delivery::Acked) == Route::Tcp);
}

TEST(udp_deliveries_reach_the_same_handlers) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  const char envelope[] = "{\"from\":\"server\",\"payload\":{\"cmd\":\"toggle\",\"control\":\"relay1\"}}";
  CHECK(rig.broker.send(reinterpret_cast<const uint8_t*>(envelope), strlen(envelope), kReliableOrdered, test::now));
  rig.step(2);
  CHECK_EQ(rig.client.messages, 1);
  CHECK_STR(rig.client.lastFrom, "server");
  CHECK_STR(rig.client.lastPayload, "{\"cmd\":\"toggle\",\"control\":\"relay1\"}");
  CHECK_EQ(rig.client.lastLength, strlen(rig.client.lastPayload));
  CHECK_EQ(rig.udp.receivedUdp(), 1u);
  // A malformed envelope is dropped like on TCP: counted, reported, no handler call.
  const char bad[] = "{\"from\":\"server\"}";
  CHECK(rig.broker.send(reinterpret_cast<const uint8_t*>(bad), strlen(bad), kUnreliable, test::now));
  rig.step(2);
  CHECK_EQ(rig.client.messages, 1);
  CHECK(rig.client.lastErrorSeen == hypertcp::Error::InvalidJson);
  CHECK_EQ(rig.client.stats().invalidJson, 1u);
}

TEST(udp_session_ends_with_the_tcp_session) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  rig.tcp.peerClosed = true;
  rig.step(1);
  CHECK(!rig.client.connected());
  CHECK(!rig.udp.granted());
  CHECK(!rig.udp.up());
  CHECK_STR(rig.udp.closeReason(), "tcp_closed");
  CHECK_EQ(rig.deviceLink.closes, 1);
  size_t before = rig.toBroker.count;
  CHECK(rig.udp.send("server", "{\"t\":1}", Delivery::Latest) == Route::None);
  CHECK(rig.client.lastError() == hypertcp::Error::NotConnected);
  rig.step(5000);  // no heartbeats from a stopped peer
  CHECK_EQ(rig.toBroker.count, before);
}

// A sketch that sends again what UDP failed to deliver, from the done callback.
struct Resender {
  UdpLink* udp;
  int failed;
  Route again;
};

void resendOnFailure(void* context, uint32_t, bool delivered) {
  Resender* r = static_cast<Resender*>(context);
  if (delivered) return;
  r->failed++;
  r->again = r->udp->send("server", "{\"r\":1}", Delivery::Reliable);
}

TEST(udp_messages_failed_by_the_tcp_session_ending_are_told_with_the_client_offline) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  Resender resender = {&rig.udp, 0, Route::Udp};
  rig.udp.onDone(resendOnFailure, &resender);
  rig.toBroker.blocked = true;  // never acknowledged
  CHECK(rig.udp.send("server", "{\"r\":1}", Delivery::Reliable) == Route::Udp);
  rig.tcp.peerClosed = true;
  rig.step(1);
  CHECK_EQ(resender.failed, 1);
  // refused, as any send while offline: not taken for TCP and then thrown away with the socket
  CHECK(resender.again == Route::None);
  CHECK(!rig.client.connected());
}

TEST(udp_login_without_grant_stays_on_tcp) {
  static Rig rig;
  CHECK(test::login(rig.client, rig.tcp, false));  // reply without "udp"
  CHECK(!rig.udp.granted());
  CHECK_EQ(rig.deviceLink.opens, 0);
  rig.tcp.dropOutput();
  CHECK(rig.udp.send("server", "{\"t\":1}", Delivery::Latest) == Route::Tcp);
  CHECK(rig.udp.send("broadcast", "{\"hello\":1}", Delivery::Latest) == Route::Tcp);
  CHECK(rig.tcp.expectFrame(hypertcp::Command::JsonMessage, 2));
  CHECK(rig.tcp.expectFrame(hypertcp::Command::Broadcast, 3));
  CHECK(rig.udp.send("bad target!", "{}", Delivery::Latest) == Route::None);
  CHECK(rig.client.lastError() == hypertcp::Error::BadTarget);
}

TEST(udp_invalid_payload_is_refused_not_sent) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  size_t before = rig.toBroker.count;
  CHECK(rig.udp.send("server", "[1,2]", Delivery::Latest) == Route::None);
  CHECK(rig.client.lastError() == hypertcp::Error::InvalidPayload);
  CHECK_EQ(rig.toBroker.count, before);
}

TEST(udp_disabled_or_legacy_login_does_not_ask) {
  static Rig rig;
  rig.udp.setEnabled(false);
  CHECK(test::login(rig.client, rig.tcp, false, kGrantReply));
  size_t length = static_cast<size_t>(rig.tcp.out[3] << 8 | rig.tcp.out[4]);
  CHECK(memmem(rig.tcp.out + 5, length, "\"udp\"", 5) == nullptr);
  CHECK(!rig.udp.granted());  // a grant it did not ask for is ignored
  static Rig legacy;
  CHECK(test::login(legacy.client, legacy.tcp, true));
  CHECK(!legacy.udp.granted());
}

TEST(udp_dead_session_falls_back_to_tcp) {
  static Rig rig;
  CHECK(rig.loginAndOpen());
  rig.toDevice.blocked = true;  // the broker's datagrams stop arriving; TCP stays up
  rig.step(9000);
  CHECK(rig.udp.up());
  rig.step(1500);  // 5 heartbeat intervals (10 s) of silence: dead
  CHECK(!rig.udp.up());
  CHECK_STR(rig.udp.closeReason(), "dead_peer");
  CHECK(rig.client.connected());
  rig.tcp.dropOutput();
  CHECK(rig.udp.send("server", "{\"t\":9}", Delivery::Latest) == Route::Tcp);
  CHECK(rig.udp.send("server", "{\"s\":9}", Delivery::Reliable) == Route::Tcp);
}
