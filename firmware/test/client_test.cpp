// The client against a scripted broker: login, delivery, acks, partial reads, skipped frames,
// invalid JSON, disconnects mid-frame (the send path is in client_send_test.cpp).
#include <string.h>

#include "check.h"
#include "scripted.h"

using namespace hypertcp;
using test::Recorder;
using test::Scripted;

namespace {
Scripted t;  // large: static storage

const char kDelivered[] = "{\"from\":\"server\",\"payload\":{\"cmd\":\"toggle\",\"relay\":\"relay1\"}}";

// A stream exercising most inbound paths: ping, message, status ack, broadcast, empty ack.
size_t buildStream(uint8_t* out) {
  Scripted s;
  s.pushFrame(Command::Ping, 7, "", 0);
  s.pushFrame(Command::JsonMessage, 513, kDelivered);
  s.pushStatus(2, Status::TargetOffline);
  s.pushFrame(Command::Broadcast, 514, "{\"from\":\"sensor-2\",\"payload\":{\"alert\":1}}");
  s.pushFrame(Command::Response, 3, "", 0);
  memcpy(out, s.in, s.inLen);
  return s.inLen;
}

void checkStreamOutcome(Recorder& c) {
  CHECK_EQ(c.messages, 1);
  CHECK_EQ(c.broadcasts, 1);
  CHECK_STR(c.lastFrom, "sensor-2");
  CHECK_STR(c.lastPayload, "{\"alert\":1}");
  CHECK_EQ(c.acks, 2);
  CHECK(t.expectFrame(Command::Response, 7, ""));
  CHECK(t.expectFrame(Command::Response, 513, ""));
  CHECK(t.expectFrame(Command::Response, 514, ""));
  CHECK(c.connected());
}
}  // namespace

TEST(v2_login_sends_the_description_and_goes_online) {
  t.reset();
  Recorder c(t);
  static const Control controls[] = {{"relay1", ControlKind::Relay, "Lamp", 0, 0, 0, nullptr, 0}};
  static const DeviceInfo device = {"lamp", "1.0.0", "esp32", controls, 1, nullptr, 0};
  c.setDevice(&device);
  CHECK(c.begin("abc-token", "broker.local", 8080));
  CHECK(c.state() == State::Waiting);
  c.run();
  CHECK(c.state() == State::Connecting);
  CHECK_STR(t.host, "broker.local");
  CHECK_EQ(t.port, 8080);
  c.run();
  CHECK(c.state() == State::LoggingIn);
  // maxPayload: its receive buffer, so the broker refuses what it could not take (PROTOCOL 3.2)
  char login[256];
  snprintf(login, sizeof login,
           "{\"v\":2,\"token\":\"abc-token\",\"maxPayload\":%u,\"device\":{\"name\":\"lamp\",\"fw\":\"1.0.0\",\"board\":\"esp32\","
           "\"controls\":[{\"id\":\"relay1\",\"kind\":\"relay\",\"label\":\"Lamp\"}],\"telemetry\":[]}}",
           static_cast<unsigned>(HYPERTCP_RX_BUFFER_SIZE));
  CHECK(t.expectFrame(Command::Login, 1, login));
  t.pushStatus(1, Status::Success, "{\"id\":\"lamp-7\",\"keepalive\":3,\"maxPayload\":512}");
  c.run();
  CHECK(c.connected());
  CHECK_EQ(c.connectedCount, 1);
  CHECK_STR(c.deviceId(), "lamp-7");
  CHECK_EQ(c.keepaliveMs(), 3000);
  CHECK_EQ(c.maxOutboundPayload(), 512);
}

TEST(legacy_login_is_the_raw_token_with_id_1) {
  t.reset();
  Recorder c(t);
  c.setLegacyLogin(true);
  CHECK(c.begin("legacy-token-0000001", "10.0.0.2", 8080));
  c.run();
  c.run();
  static const uint8_t expected[] = {0x1D, 0x00, 0x01, 0x00, 0x14, 'l', 'e', 'g', 'a', 'c', 'y', '-', 't', 'o',
                                     'k',  'e',  'n',  '-',  '0',  '0', '0', '0', '0', '0', '1'};
  CHECK_EQ(t.outLen, sizeof expected);
  CHECK(memcmp(t.out, expected, sizeof expected) == 0);
  static const uint8_t reply[] = {0x00, 0x00, 0x01, 0x00, 0x01, 0xC8};  // the exact legacy reply
  t.push(reply, sizeof reply);
  c.run();
  CHECK(c.connected());
  CHECK_EQ(c.keepaliveMs(), HYPERTCP_KEEPALIVE_MS);
}

TEST(refused_login_reports_auth_failed_and_backs_off) {
  t.reset();
  Recorder c(t);
  CHECK(c.begin("bad-token-000", "broker", 1));
  c.run();
  c.run();
  t.pushStatus(1, Status::InvalidToken);
  c.run();
  CHECK(c.state() == State::Waiting);
  CHECK(c.lastError() == Error::AuthFailed);
  CHECK_EQ(c.lastStatus(), Status::InvalidToken);
  CHECK_EQ(c.countErrors(Error::AuthFailed), 1);
  CHECK(c.retryDelayMs() >= HYPERTCP_RECONNECT_MIN_MS / 2 && c.retryDelayMs() <= HYPERTCP_RECONNECT_MIN_MS);
  CHECK_EQ(t.closes, 1);
}

TEST(bad_arguments_are_refused) {
  t.reset();
  Recorder c(t);
  CHECK(!c.begin("", "h", 1));
  CHECK(!c.begin("tok", "", 1));
  CHECK(!c.begin("tok", "h", 0));
  char longToken[HYPERTCP_MAX_TOKEN_LENGTH + 2];
  memset(longToken, 'a', sizeof longToken - 1);
  longToken[sizeof longToken - 1] = '\0';
  CHECK(!c.begin(longToken, "h", 1));
  CHECK(c.lastError() == Error::BadArgument);
  CHECK(c.state() == State::Idle);
}

namespace {
// Is this description taken? setDevice() says, and begin() agrees: refused with BadArgument,
// nothing connected or written; a valid one logs in as far as the LOGIN (then stopped again) if
// it fits the TX buffer, else begin() refuses it with PayloadTooLarge, nothing written either.
bool descriptionAccepted(const DeviceInfo& device) {
  t.reset();
  Recorder c(t);
  bool valid = c.setDevice(&device);
  bool started = c.begin("secret-token-1234", "broker.local", 8080);
  c.run();
  c.run();
  if (!started) {
    CHECK(c.lastError() == (valid ? Error::PayloadTooLarge : Error::BadArgument));
    CHECK(c.state() == State::Idle);
    CHECK_EQ(t.connects, 0);
    CHECK_EQ(t.outLen, 0);
  } else {
    CHECK(valid);
    CHECK(t.outLen > 0);  // the LOGIN
    c.disconnect();
  }
  return valid;
}

char text(char* out, size_t length, char fill) {  // length characters of fill, NUL-terminated
  memset(out, fill, length);
  out[length] = '\0';
  return fill;
}
}  // namespace

// The device description is checked against the broker's schema (shared/protocol/login.ts) when
// the client starts, so a typo fails at once with BadArgument instead of a LOGIN the broker
// refuses as MALFORMED, retried for ever as login_rejected.
TEST(a_description_the_broker_would_refuse_is_refused_by_begin) {
  static Control controls[33];
  static char ids[33][40];
  for (int i = 0; i < 33; i++) {
    snprintf(ids[i], sizeof ids[i], "relay%d", i);
    controls[i] = relay(ids[i]);
  }
  static Telemetry channels[33];
  for (int i = 0; i < 33; i++) channels[i] = telemetry(ids[i], "C");
  DeviceInfo d = {"lamp", "1.0.0", "esp32", controls, 32, channels, 32};
  CHECK(descriptionAccepted(d));  // 32 of each: the most the broker takes
  d.controlCount = 33;
  CHECK(!descriptionAccepted(d));
  d.controlCount = 1;
  d.telemetryCount = 33;
  CHECK(!descriptionAccepted(d));
  d.telemetryCount = 1;

  // Ids: 1-32 of [A-Za-z0-9_.-], never null (a device id may have ':', a control id not).
  static const char* const badIds[] = {"relay 1", "", "relay:1", "r\xC3\xA4", nullptr,
                                       "abcdefghijabcdefghijabcdefghijabc"};
  for (const char* id : badIds) {
    Control c[] = {relay(id)};
    DeviceInfo one = {"lamp", nullptr, nullptr, c, 1, nullptr, 0};
    CHECK(!descriptionAccepted(one));
    Telemetry m[] = {telemetry(id)};
    DeviceInfo two = {"lamp", nullptr, nullptr, nullptr, 0, m, 1};
    CHECK(!descriptionAccepted(two));
  }
  Control okId[] = {relay("abcdefghijabcdefghijabcdefghij.-"), relay("R_9")};
  CHECK(descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, okId, 2, nullptr, 0}));

  // Text lengths in UTF-16 code units like the broker's JavaScript: label 64, unit 16, name 64,
  // fw and board 32, options 16 of 32 at most.
  static char t64[65], t65[66], t16[17], t17[18], t32[33], t33[34];
  text(t64, 64, 'L'), text(t65, 65, 'L'), text(t16, 16, 'u'), text(t17, 17, 'u'), text(t32, 32, 'o'), text(t33, 33, 'o');
  Control labelled[] = {relay("r", t64)};
  CHECK(descriptionAccepted(DeviceInfo{t64, t32, t32, labelled, 1, nullptr, 0}));
  labelled[0] = relay("r", t65);
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, labelled, 1, nullptr, 0}));
  CHECK(!descriptionAccepted(DeviceInfo{t65, nullptr, nullptr, nullptr, 0, nullptr, 0}));
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, t33, nullptr, nullptr, 0, nullptr, 0}));
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, t33, nullptr, 0, nullptr, 0}));
  Telemetry units[] = {telemetry("t", t16, t64)};
  CHECK(descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, nullptr, 0, units, 1}));
  units[0] = telemetry("t", t17);
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, nullptr, 0, units, 1}));
  units[0] = telemetry("t", nullptr, t65);
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, nullptr, 0, units, 1}));
  // 64 two-byte characters are 64 units (128 bytes); 32 emoji are 64 units, 33 are 66.
  static char umlauts[129], emoji[33 * 4 + 1];
  for (int i = 0; i < 64; i++) memcpy(umlauts + 2 * i, "\xC3\xA4", 2);
  for (int i = 0; i < 33; i++) memcpy(emoji + 4 * i, "\xF0\x9F\x98\x80", 4);
  labelled[0] = relay("r", umlauts);
  CHECK(descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, labelled, 1, nullptr, 0}));
  emoji[32 * 4] = '\0';
  labelled[0] = relay("r", emoji);
  CHECK(descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, labelled, 1, nullptr, 0}));
  emoji[32 * 4] = '\xF0';
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, labelled, 1, nullptr, 0}));

  static const char* options[17];
  for (int i = 0; i < 17; i++) options[i] = t32;
  Control select[] = {selector("mode", options, 16)};
  CHECK(descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, select, 1, nullptr, 0}));
  select[0] = selector("mode", options, 17);
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, select, 1, nullptr, 0}));
  options[3] = t33;
  select[0] = selector("mode", options, 4);
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, select, 1, nullptr, 0}));
  options[3] = nullptr;  // would be written as null
  CHECK(!descriptionAccepted(DeviceInfo{nullptr, nullptr, nullptr, select, 1, nullptr, 0}));

  // A legacy LOGIN sends no description, so it is not checked.
  t.reset();
  Recorder c(t);
  Control typo[] = {relay("relay 1")};
  DeviceInfo bad = {"lamp", nullptr, nullptr, typo, 1, nullptr, 0};
  CHECK(!c.setDevice(&bad));
  CHECK(!c.begin("secret-token-1234", "broker.local", 8080));
  c.setLegacyLogin(true);
  CHECK(c.begin("secret-token-1234", "broker.local", 8080));
}

// A valid description that makes the LOGIN longer than the TX buffer can never be sent: begin()
// says so (PayloadTooLarge) instead of every attempt failing with payload_too_large.
TEST(a_login_longer_than_the_tx_buffer_is_refused_by_begin) {
  static Control controls[32];
  static char ids[32][40];
  for (int i = 0; i < 32; i++) {
    snprintf(ids[i], sizeof ids[i], "relay-with-a-long-id-%02d", i);
    controls[i] = relay(ids[i], "A label that takes some room");
  }
  t.reset();
  Recorder c(t);
  DeviceInfo d = {"lamp", "1.0.0", "esp32", controls, 32, nullptr, 0};
  CHECK(c.setDevice(&d));  // valid...
  CHECK(!c.begin("secret-token-1234", "broker.local", 8080));  // ...but 2 KB of LOGIN
  CHECK(c.lastError() == Error::PayloadTooLarge);
  c.run();
  CHECK_EQ(t.connects, 0);
  d.controlCount = 2;
  CHECK(c.begin("secret-token-1234", "broker.local", 8080));
}

TEST(messages_are_delivered_acked_and_nul_terminated) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::JsonMessage, 513, kDelivered);
  c.run();
  CHECK_EQ(c.messages, 1);
  CHECK_STR(c.lastFrom, "server");
  CHECK_STR(c.lastPayload, "{\"cmd\":\"toggle\",\"relay\":\"relay1\"}");
  CHECK_EQ(c.lastLength, strlen(c.lastPayload));
  CHECK(t.expectFrame(Command::Response, 513, ""));
}

namespace {
int callbackMessages = 0, callbackBroadcasts = 0, callbackEvents = 0;
void onMessage(const Message& m, void* context) {
  CHECK(context == &t);
  if (m.broadcast) callbackBroadcasts++;
  else callbackMessages++;
}
void onEvent(const Event& e, void*) {
  if (e.type == EventType::Ping) callbackEvents++;
}
}  // namespace

TEST(callback_and_subclass_handlers_both_run) {
  t.reset();
  Recorder c(t);
  c.setMessageHandler(onMessage, &t);
  c.setBroadcastHandler(onMessage, &t);
  c.setEventHandler(onEvent, nullptr);
  CHECK(test::login(c, t));
  static uint8_t stream[1024];
  size_t n = buildStream(stream);
  t.push(stream, n);
  c.run();
  CHECK_EQ(callbackMessages, 1);
  CHECK_EQ(callbackBroadcasts, 1);
  CHECK_EQ(callbackEvents, 1);
  checkStreamOutcome(c);
}

TEST(partial_reads_at_every_offset_and_chunk_size) {
  static uint8_t stream[1024];
  size_t n = buildStream(stream);
  for (size_t split = 0; split <= n; split++) {  // two pieces, split anywhere
    t.reset();
    Recorder c(t);
    CHECK(test::login(c, t));
    t.push(stream, split);
    c.run();
    t.push(stream + split, n - split);
    c.run();
    c.run();
    checkStreamOutcome(c);
  }
  for (size_t chunk = 1; chunk <= 64; chunk++) {  // the transport hands out chunk bytes per read
    t.reset();
    Recorder c(t);
    CHECK(test::login(c, t));
    t.readLimit = chunk;
    t.push(stream, n);
    for (int i = 0; i < 400 && t.inPos < t.inLen; i++) c.run();
    checkStreamOutcome(c);
  }
}

TEST(oversized_frames_are_skipped_whole_acked_and_reported) {
  static char big[HYPERTCP_RX_BUFFER_SIZE + 200];
  memset(big, ' ', sizeof big);
  memcpy(big, kDelivered, strlen(kDelivered));  // valid JSON padded with spaces, too large anyway
  for (size_t chunk = 1; chunk <= 4096; chunk = chunk * 3 + 1) {
    t.reset();
    Recorder c(t);
    CHECK(test::login(c, t));
    t.readLimit = chunk;
    t.pushFrame(Command::JsonMessage, 600, big, sizeof big);
    t.pushFrame(Command::JsonMessage, 601, kDelivered);
    for (int i = 0; i < 2000 && t.inPos < t.inLen; i++) c.run();
    CHECK_EQ(c.countErrors(Error::FrameTooLarge), 1);
    CHECK_EQ(c.messages, 1);
    CHECK_STR(c.lastFrom, "server");
    CHECK(t.expectFrame(Command::Response, 600, ""));
    CHECK(t.expectFrame(Command::Response, 601, ""));
    CHECK_EQ(c.stats().skippedFrames, 1);
    CHECK(c.connected());
  }
}

TEST(unknown_frame_types_are_skipped) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(99, 5, "xxxxxxxx");
  t.pushFrame(Command::JsonMessage, 6, kDelivered);
  c.run();
  CHECK_EQ(c.countErrors(Error::UnknownFrame), 1);
  CHECK_EQ(c.messages, 1);
  CHECK(c.connected());
}

TEST(invalid_json_is_reported_acked_and_dropped) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  const char* bad[] = {"{\"from\":\"server\",\"payload\":{\"a\":}}", "{\"from\":\"server\",\"payload\":\"x\"}",
                       "{\"payload\":{}}", "\xFF\xFE", "{\"from\":\"a b\",\"payload\":{}}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) t.pushFrame(Command::JsonMessage, static_cast<uint16_t>(10 + i), bad[i]);
  t.pushFrame(Command::JsonMessage, 20, kDelivered);
  c.run();
  CHECK_EQ(c.countErrors(Error::InvalidJson), 5);
  CHECK_EQ(c.stats().invalidJson, 5);
  CHECK_EQ(c.messages, 1);
  for (uint16_t id = 10; id < 15; id++) CHECK(t.expectFrame(Command::Response, id, ""));
  CHECK(c.connected());
}

TEST(disconnect_mid_frame_reconnects_with_a_clean_decoder) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  uint8_t frame[128];
  Scripted s;
  s.pushFrame(Command::JsonMessage, 9, kDelivered);
  memcpy(frame, s.in, s.inLen);
  t.push(frame, 20);  // header and part of the body
  t.peerClosed = true;
  c.run();  // reads the partial frame
  CHECK_EQ(c.disconnects, 0);
  c.run();  // sees the close
  CHECK_EQ(c.disconnects, 1);
  CHECK(c.lastDisconnect == Error::ClosedByPeer);
  CHECK(c.disconnectReason() == Error::ClosedByPeer);
  CHECK(c.state() == State::Waiting);
  CHECK_EQ(c.messages, 0);
  test::now += c.retryDelayMs();
  t.dropOutput();
  c.run();  // new attempt
  c.run();  // LOGIN again, ids restart at 1
  CHECK(t.expectFrame(Command::Login, 1));
  t.pushStatus(1, Status::Success, test::kLoginReply);
  t.pushFrame(Command::JsonMessage, 10, kDelivered);
  c.run();
  CHECK(c.connected());
  CHECK_EQ(c.connectedCount, 2);
  CHECK_EQ(c.messages, 1);
}


// A v2 login reply longer than HYPERTCP_RX_BUFFER_SIZE (a long device id, a UDP grant or fields
// a newer broker adds, against a small buffer) is skipped like any oversized frame. Only a success
// carries more than the status byte (PROTOCOL 3.2), so the client logs in with the defaults, as
// for a reply it cannot parse, instead of timing out and retrying the same login forever.
TEST(a_login_reply_larger_than_the_buffer_still_logs_in_with_the_defaults) {
  static char reply[HYPERTCP_RX_BUFFER_SIZE + 100];
  memset(reply, 'x', sizeof reply);
  reply[0] = static_cast<char>(Status::Success);
  const char* head = "{\"id\":\"lamp\",\"keepalive\":30,\"motd\":\"";
  memcpy(reply + 1, head, strlen(head));
  memcpy(reply + sizeof reply - 2, "\"}", 2);
  for (size_t chunk = 1; chunk <= 4096; chunk = chunk * 5 + 1) {
    t.reset();
    Recorder c(t);
    t.readLimit = chunk;
    CHECK(c.begin("secret-token-1234", "broker.local", 8080));
    c.run();
    c.run();
    CHECK(t.expectFrame(Command::Login, 1));
    t.pushFrame(Command::Response, 1, reply, sizeof reply);
    t.pushFrame(Command::JsonMessage, 5, kDelivered);
    for (int i = 0; i < 2000 && t.inPos < t.inLen; i++) c.run();
    CHECK(c.connected());
    CHECK_EQ(c.connectedCount, 1);
    CHECK_EQ(c.countErrors(Error::FrameTooLarge), 1);
    CHECK_EQ(c.lastStatus(), Status::Success);
    CHECK_STR(c.deviceId(), "");                      // not known: the defaults
    CHECK_EQ(c.keepaliveMs(), HYPERTCP_KEEPALIVE_MS);
    CHECK_EQ(c.messages, 1);                           // the stream stays in sync behind it
    CHECK(t.expectFrame(Command::Response, 5, ""));
  }
  // A refusal is the status byte alone and never that large; a large frame with another id is not
  // the reply.
  t.reset();
  Recorder c(t);
  CHECK(c.begin("secret-token-1234", "broker.local", 8080));
  c.run();
  c.run();
  t.pushFrame(Command::Response, 2, reply, sizeof reply);
  c.run();
  CHECK(c.state() == State::LoggingIn);
}
