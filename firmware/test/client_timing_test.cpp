// Time-driven behaviour on a fake clock: keepalive and broker silence, login and connect
// timeouts, capped exponential backoff with jitter, and run() staying short.
#include <string.h>
#include <time.h>

#include "check.h"
#include "scripted.h"

using namespace hypertcp;
using test::Recorder;
using test::Scripted;

namespace {
Scripted t;

int countOut(uint8_t type) {
  int n = 0;
  FrameHeader h;
  const uint8_t* p;
  while (t.nextOut(h, p)) n += h.type == type;
  return n;
}

// With keepalive 10 s just logged in: silent for 9999 ms nothing is sent, at 10 s a ping, and the
// session ends when the ping timeout has passed without an answer.
void pingsThenTimesOut(Recorder& c) {
  t.dropOutput();
  test::now += 9999;
  c.run();
  CHECK_EQ(countOut(Command::Ping), 0);
  test::now += 1;
  c.run();
  CHECK_EQ(countOut(Command::Ping), 1);
  test::now += HYPERTCP_PING_TIMEOUT_MS - 1;
  c.run();
  CHECK(c.connected());
  test::now += 1;
  c.run();
  CHECK(!c.connected());
}
}  // namespace

TEST(broker_silence_pings_then_times_out) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));  // keepalive 10 s from the reply
  pingsThenTimesOut(c);
  CHECK_EQ(c.disconnects, 1);
  CHECK(c.lastDisconnect == Error::KeepaliveTimeout);
}

TEST(any_frame_after_a_ping_is_life_and_the_reply_measures_rtt) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.dropOutput();
  test::now += 10000;
  c.run();
  FrameHeader h;
  const uint8_t* p;
  CHECK(t.nextOut(h, p) && h.type == Command::Ping);
  test::now += 42;
  t.pushFrame(Command::Response, h.msgId, "", 0);
  c.run();
  CHECK_EQ(c.rttMs(), 42);
  CHECK_EQ(c.acks, 0);  // a ping reply is not a message ack
  test::now += 9000;  // 9 s after the reply: quiet, but not yet time to ping
  c.run();
  CHECK(!t.nextOut(h, p));
  test::now += HYPERTCP_PING_TIMEOUT_MS + 5000;
  c.run();  // pings again
  CHECK(t.nextOut(h, p) && h.type == Command::Ping);
  t.pushFrame(Command::Ping, 77, "", 0);  // a broker ping also counts as life
  c.run();
  test::now += HYPERTCP_PING_TIMEOUT_MS;
  c.run();
  CHECK(c.connected());
}

TEST(a_fast_broker_keepalive_gives_fast_detection) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t, false, "{\"id\":\"lamp\",\"keepalive\":1}"));
  CHECK_EQ(c.keepaliveMs(), 1000);
  test::now += 1000;
  c.run();
  test::now += 1000;
  c.run();
  CHECK(c.lastDisconnect == Error::KeepaliveTimeout);
}

// A broker may announce a keepalive up to 3600 s, but a live one probes every session at least
// every 30 s (PROTOCOL.md 4): a broker silent for longer is gone, and is found within 35 s (ping at
// 30 s, its deadline 5 s later), not an hour. setKeepalive() still sets any interval.
TEST(a_long_broker_keepalive_still_finds_a_dead_broker_within_35_s) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t, false, "{\"id\":\"lamp\",\"keepalive\":3600,\"maxPayload\":16384}"));
  CHECK_EQ(c.keepaliveMs(), 30000);
  uint32_t start = test::now;
  t.dropOutput();
  while (c.connected() && test::now - start < 4000000) {
    test::now += 100;
    c.run();
  }
  CHECK(c.lastDisconnect == Error::KeepaliveTimeout);
  CHECK_EQ(test::now - start, 30000 + HYPERTCP_PING_TIMEOUT_MS);
  CHECK_EQ(countOut(Command::Ping), 1);

  // Shorter announced values are kept as they are.
  t.reset();
  Recorder d(t);
  CHECK(test::login(d, t, false, "{\"id\":\"lamp\",\"keepalive\":20}"));
  CHECK_EQ(d.keepaliveMs(), 20000);

  // The sketch's own interval wins, however long.
  t.reset();
  Recorder e(t);
  e.setKeepalive(600000, 5000);
  CHECK(test::login(e, t, false, "{\"id\":\"lamp\",\"keepalive\":3600}"));
  CHECK_EQ(e.keepaliveMs(), 600000);
}

TEST(login_timeout) {
  t.reset();
  Recorder c(t);
  CHECK(c.begin("tok-00000000", "h", 1));
  c.run();
  c.run();
  CHECK(c.state() == State::LoggingIn);
  test::now += HYPERTCP_LOGIN_TIMEOUT_MS - 1;
  c.run();
  CHECK(c.state() == State::LoggingIn);
  test::now += 1;
  c.run();
  CHECK(c.state() == State::Waiting);
  CHECK(c.lastError() == Error::LoginTimeout);
  CHECK_EQ(c.countErrors(Error::LoginTimeout), 1);
}

TEST(connect_timeout_and_refusal) {
  t.reset();
  Recorder c(t);
  t.status = ConnectStatus::InProgress;
  CHECK(c.begin("tok-00000000", "h", 1));
  c.run();
  test::now += HYPERTCP_CONNECT_TIMEOUT_MS;
  c.run();
  CHECK(c.lastError() == Error::ConnectTimeout);
  t.status = ConnectStatus::Failed;
  test::now += c.retryDelayMs();
  c.run();
  c.run();
  CHECK(c.lastError() == Error::ConnectFailed);
  t.connectResult = false;
  test::now += c.retryDelayMs();
  c.run();
  CHECK(c.lastError() == Error::ConnectFailed);
  CHECK_EQ(c.stats().failedAttempts, 3);
}

TEST(backoff_grows_exponentially_with_jitter_and_caps) {
  t.reset();
  Recorder c(t);
  t.connectResult = false;  // every attempt is refused
  CHECK(c.begin("tok-00000000", "h", 1));
  c.run();  // attempt 1 fails at once
  uint32_t ceiling = HYPERTCP_RECONNECT_MIN_MS;
  for (int attempt = 0; attempt < 12; attempt++) {
    uint32_t delay = c.retryDelayMs();
    CHECK(delay >= ceiling / 2 && delay <= ceiling);
    int before = t.connects;
    test::now += delay - 1;
    c.run();
    CHECK_EQ(t.connects, before);  // not a millisecond early
    test::now += 1;
    c.run();
    CHECK_EQ(t.connects, before + 1);
    ceiling = ceiling * 2 > HYPERTCP_RECONNECT_MAX_MS ? HYPERTCP_RECONNECT_MAX_MS : ceiling * 2;
  }
  CHECK_EQ(ceiling, HYPERTCP_RECONNECT_MAX_MS);
}

TEST(jitter_differs_between_devices) {
  uint32_t delays[8];
  for (uint32_t seed = 0; seed < 8; seed++) {
    t.reset();
    Recorder c(t);
    c.setRandomSeed(seed * 7919 + 1);
    t.connectResult = false;
    CHECK(c.begin("tok-00000000", "h", 1));
    c.run();
    for (int i = 0; i < 5; i++) {
      test::now += c.retryDelayMs();
      c.run();
    }
    delays[seed] = c.retryDelayMs();
  }
  int distinct = 0;
  for (int i = 0; i < 8; i++) {
    bool seen = false;
    for (int k = 0; k < i; k++) seen |= delays[k] == delays[i];
    distinct += !seen;
  }
  CHECK(distinct >= 6);  // a herd of devices does not reconnect in lockstep
}

namespace {
// Reconnects after the current delay and logs in again; true when online.
bool relogin(Recorder& c) {
  test::now += c.retryDelayMs();
  c.run();  // starts the attempt
  c.run();  // connected: LOGIN written
  FrameHeader h;
  const uint8_t* p;
  while (t.nextOut(h, p)) {
  }
  t.pushStatus(1, Status::Success, test::kLoginReply);
  c.run();
  return c.connected();
}
}  // namespace

// The backoff resets once a session has lasted 30 s: failures before it no longer count.
TEST(backoff_resets_after_a_session_that_lasted) {
  t.reset();
  Recorder c(t);
  t.connectResult = false;
  CHECK(c.begin("tok-00000000", "h", 1));
  c.run();
  for (int i = 0; i < 6; i++) {
    test::now += c.retryDelayMs();
    c.run();
  }
  CHECK(c.retryDelayMs() > HYPERTCP_RECONNECT_MIN_MS);
  t.connectResult = true;
  CHECK(relogin(c));
  for (int i = 0; i < 6; i++) {  // 30 s online, the broker pinging every 5 s
    test::now += 5000;
    t.pushFrame(Command::Ping, static_cast<uint16_t>(100 + i), "", 0);
    c.run();
  }
  CHECK(c.connected());
  t.peerClosed = true;
  c.run();
  CHECK(!c.connected());
  CHECK(c.retryDelayMs() <= HYPERTCP_RECONNECT_MIN_MS);
}

// A broker that accepts the login and closes at once (two boards sharing a token replace each
// other, "replaced"; a broker that drops the session after login): each short session counts as
// a failure, so the pair backs off like refused attempts instead of reconnecting every 0.5-1 s
// forever.
TEST(sessions_the_broker_ends_right_after_login_back_off) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  uint32_t delays[20];
  for (int i = 0; i < 20; i++) {
    test::now += 200;
    t.peerClosed = true;
    c.run();  // closed_by_peer
    CHECK(!c.connected());
    delays[i] = c.retryDelayMs();
    CHECK(relogin(c));
  }
  printf("  delays after each short session: %u %u %u %u %u ... %u ms\n", (unsigned)delays[0], (unsigned)delays[1],
         (unsigned)delays[2], (unsigned)delays[3], (unsigned)delays[4], (unsigned)delays[19]);
  CHECK(delays[4] >= 8000);
  for (int i = 5; i < 20; i++) CHECK(delays[i] >= HYPERTCP_RECONNECT_MAX_MS / 2);
  CHECK_EQ(c.connectedCount, 21);
}

TEST(run_does_bounded_work_per_call) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  static char payload[600];
  memset(payload, ' ', sizeof payload);
  const char* head = "{\"from\":\"server\",\"payload\":{}}";
  memcpy(payload, head, strlen(head));
  for (int i = 0; i < 100; i++) t.pushFrame(Command::JsonMessage, static_cast<uint16_t>(100 + i), payload, sizeof payload);
  size_t before = t.inPos;
  timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  c.run();
  clock_gettime(CLOCK_MONOTONIC, &end);
  size_t consumed = t.inPos - before;
  CHECK(consumed > 0);
  CHECK(consumed <= static_cast<size_t>(HYPERTCP_READ_CHUNK) * HYPERTCP_READS_PER_RUN);
  double ms = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
  CHECK(ms < 5.0);  // generous under sanitizers; the point is that it returns with work left
  for (int i = 0; i < 1000 && t.inPos < t.inLen; i++) c.run();
  CHECK_EQ(c.messages, 100);
}

TEST(blocking_connect_gives_up_at_once_on_a_refused_token) {
  t.reset();
  Recorder c(t);
  static const uint8_t refused[] = {0x00, 0x00, 0x01, 0x00, 0x01, Status::InvalidToken};
  memcpy(t.greeting, refused, sizeof refused);
  t.greetingLen = sizeof refused;
  test::tick = 1;  // time moves 1 ms per clock read, so a bug cannot loop forever
  uint32_t start = test::now;
  CHECK(!c.connect("tok-00000000", "h", 1, 10000));
  CHECK(test::now - start < 100);  // returned on the refusal, long before the timeout
  CHECK(c.lastError() == Error::AuthFailed);
  test::tick = 0;
}

// The same for a LOGIN the broker finds malformed (PROTOCOL 3.2: MALFORMED, then a close): the
// same LOGIN again cannot do better, so the blocking connect() returns at once.
TEST(blocking_connect_gives_up_at_once_on_a_malformed_login) {
  t.reset();
  Recorder c(t);
  static const uint8_t refused[] = {0x00, 0x00, 0x01, 0x00, 0x01, Status::Malformed};
  memcpy(t.greeting, refused, sizeof refused);
  t.greetingLen = sizeof refused;
  test::tick = 1;
  uint32_t start = test::now;
  CHECK(!c.connect("tok-00000000", "h", 1, 10000));
  CHECK(test::now - start < 100);
  CHECK(c.lastError() == Error::LoginRejected);
  CHECK_EQ(c.lastStatus(), Status::Malformed);
  test::tick = 0;
}

TEST(blocking_connect_succeeds) {
  t.reset();
  Recorder c(t);
  static const uint8_t ok[] = {0x00, 0x00, 0x01, 0x00, 0x01, Status::Success};
  memcpy(t.greeting, ok, sizeof ok);
  t.greetingLen = sizeof ok;
  test::tick = 1;
  CHECK(c.connect("tok-00000000", "h", 1, 10000));
  CHECK(c.connected());
  test::tick = 0;
}

// A ping left unanswered when the connection ends must not claim a msg id of the next session:
// ids restart at 1 on every login, so the new session's message with the old ping's id would have
// its ack taken for the ping reply (no Ack event, a bogus RTT).
TEST(an_unanswered_ping_does_not_swallow_an_ack_in_the_next_session) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));  // LOGIN id 1
  t.dropOutput();
  test::now += 10000;
  c.run();
  FrameHeader h;
  const uint8_t* p;
  CHECK(t.nextOut(h, p) && h.type == Command::Ping && h.msgId == 2);
  test::now += HYPERTCP_PING_TIMEOUT_MS;
  c.run();
  CHECK(c.lastDisconnect == Error::KeepaliveTimeout);
  test::now += c.retryDelayMs();
  c.run();  // reconnects
  c.run();  // LOGIN written
  CHECK(t.nextOut(h, p) && h.type == Command::Login && h.msgId == 1);
  t.pushStatus(1, Status::Success, test::kLoginReply);
  c.run();
  CHECK(c.connected());
  uint16_t id = c.sendToServer("{\"v\":1}");
  CHECK_EQ(id, 2);  // the same id the unanswered ping had
  test::now += 30;
  t.pushStatus(id, Status::TargetOffline);
  c.run();
  CHECK_EQ(c.acks, 1);
  CHECK_EQ(c.lastAckId, 2);
  CHECK_EQ(c.lastAckStatus, Status::TargetOffline);
  CHECK_EQ(c.rttMs(), 0);  // no ping of this session was answered
}

// millis() wraps every 49.7 days: every deadline is a difference, so keepalive, ping timeout and
// backoff work the same across the wrap.
TEST(timers_survive_the_millis_wraparound) {
  t.reset();
  Recorder c(t);
  test::now = 0xFFFFFFFFu - 4000;
  CHECK(test::login(c, t));
  pingsThenTimesOut(c);  // its deadlines past the wrap
  CHECK(c.lastDisconnect == Error::KeepaliveTimeout);
  // The backoff across the next wrap.
  test::now = 0xFFFFFFFFu - 100;
  CHECK(test::login(c, t));
  t.peerClosed = true;
  c.run();
  CHECK(c.state() == State::Waiting);
  uint32_t delay = c.retryDelayMs();
  CHECK(delay > 100);
  int before = t.connects;
  test::now += delay - 1;  // wraps
  c.run();
  CHECK_EQ(t.connects, before);
  test::now += 1;
  c.run();
  CHECK_EQ(t.connects, before + 1);
  test::now = 1000;
}
