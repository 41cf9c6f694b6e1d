// REDIRECT: reconnect at once to the new broker with the same token; fall back to the original
// after HYPERTCP_REDIRECT_MAX_FAILURES failed attempts there.
#include <string.h>

#include "check.h"
#include "scripted.h"

using namespace hypertcp;
using test::Recorder;
using test::Scripted;

namespace {
Scripted t;
const char kRedirect[] = "{\"server\":\"10.0.0.5\",\"port\":8081}";

bool loginHere(Recorder& c) {
  c.run();
  c.run();
  FrameHeader h;
  const uint8_t* p;
  bool sawLogin = false;
  while (t.nextOut(h, p)) {
    if (h.type == Command::Login) {
      sawLogin = h.msgId == 1 && memmem(p, h.length, "\"token\":\"secret-token-1234\"", 27) != nullptr;
    }
  }
  t.pushStatus(1, Status::Success, test::kLoginReply);
  c.run();
  return sawLogin && c.connected();
}
}  // namespace

TEST(redirect_reconnects_at_once_with_the_same_token) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::Redirect, 5, kRedirect);
  c.run();
  CHECK_EQ(c.disconnects, 1);
  CHECK(c.lastDisconnect == Error::Redirected);
  CHECK(c.redirected());
  CHECK_STR(c.host(), "10.0.0.5");
  CHECK_EQ(c.port(), 8081);
  CHECK_EQ(c.retryDelayMs(), 0);
  CHECK(loginHere(c));  // no time passes: immediate
  CHECK_STR(t.host, "10.0.0.5");
  CHECK_EQ(t.port, 8081);
  CHECK_EQ(c.stats().redirects, 1);
}

TEST(falls_back_to_the_original_after_repeated_failures) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::Redirect, 5, kRedirect);
  c.run();
  t.connectResult = false;  // the new broker is unreachable
  for (int i = 0; i < HYPERTCP_REDIRECT_MAX_FAILURES; i++) {
    CHECK(c.redirected());
    test::now += c.retryDelayMs();
    c.run();
    CHECK_STR(t.host, "10.0.0.5");
  }
  CHECK(!c.redirected());
  CHECK_EQ(c.countErrors(Error::RedirectFailed), 1);
  CHECK_EQ(c.retryDelayMs(), 0);  // the original broker is tried at once
  t.connectResult = true;
  CHECK(loginHere(c));
  CHECK_STR(t.host, "broker.local");
  CHECK_EQ(t.port, 8080);
}

TEST(a_good_session_at_the_new_broker_resets_the_failure_count) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::Redirect, 5, kRedirect);
  c.run();
  t.connectResult = false;
  test::now += c.retryDelayMs();
  c.run();  // one failure at the new broker
  t.connectResult = true;
  test::now += c.retryDelayMs();
  CHECK(loginHere(c));
  CHECK(c.redirected());
  t.peerClosed = true;  // that session ends later; the count starts over
  c.run();
  t.connectResult = false;
  for (int i = 0; i < HYPERTCP_REDIRECT_MAX_FAILURES - 1; i++) {
    test::now += c.retryDelayMs();
    c.run();
    CHECK(c.redirected());
  }
  test::now += c.retryDelayMs();
  c.run();
  CHECK(!c.redirected());
}

TEST(malformed_redirects_are_reported_and_ignored) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  const char* bad[] = {"{\"server\":\"10.0.0.5\"}", "{\"server\":\"x y\",\"port\":1}", "{\"port\":80}", "nope",
                       "{\"server\":\"10.0.0.5\",\"port\":99999}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) t.pushFrame(Command::Redirect, static_cast<uint16_t>(i + 1), bad[i]);
  c.run();
  CHECK(c.connected());
  CHECK(!c.redirected());
  CHECK_EQ(c.countErrors(Error::InvalidJson), 5);
}

TEST(a_second_redirect_moves_again_and_begin_resets_to_the_original) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::Redirect, 5, kRedirect);
  c.run();
  CHECK(loginHere(c));
  t.pushFrame(Command::Redirect, 6, "{\"server\":\"broker-3.lan\",\"port\":9000}");
  c.run();
  CHECK(loginHere(c));
  CHECK_STR(t.host, "broker-3.lan");
  CHECK(c.begin("secret-token-1234", "broker.local", 8080));
  CHECK(!c.redirected());
  CHECK_STR(c.host(), "broker.local");
}
