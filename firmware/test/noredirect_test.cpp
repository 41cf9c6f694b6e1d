// Built only with -DHYPERTCP_ENABLE_REDIRECT=0 (mk/variants.mk): a REDIRECT is reported as an
// unknown frame and ignored; the session stays where it is and keeps working.
#include <string.h>

#include "check.h"
#include "scripted.h"

#if HYPERTCP_ENABLE_REDIRECT
#error "noredirect_test is for builds with HYPERTCP_ENABLE_REDIRECT=0"
#endif

using namespace hypertcp;
using test::Recorder;
using test::Scripted;

namespace {
Scripted t;
}

TEST(a_redirect_is_reported_and_the_session_stays) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  int connects = t.connects;
  t.pushFrame(Command::Redirect, 5, "{\"server\":\"10.0.0.5\",\"port\":8081}");
  t.pushFrame(Command::JsonMessage, 6, "{\"from\":\"server\",\"payload\":{\"cmd\":\"read\"}}");
  c.run();
  CHECK(c.connected());
  CHECK(!c.redirected());
  CHECK_EQ(c.disconnects, 0);
  CHECK_EQ(t.connects, connects);
  CHECK_STR(c.host(), "broker.local");
  CHECK_EQ(c.port(), 8080);
  CHECK_EQ(c.countErrors(Error::UnknownFrame), 1);
  CHECK_EQ(c.stats().redirects, 0);
  CHECK_EQ(c.stats().skippedFrames, 1);
  CHECK_EQ(c.messages, 1);  // the frame after it is still delivered: the stream kept its sync
}

TEST(reconnects_go_to_the_configured_broker) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::Redirect, 5, "{\"server\":\"10.0.0.5\",\"port\":8081}");
  c.run();
  t.peerClosed = true;
  c.run();
  CHECK_EQ(c.disconnects, 1);
  t.reset();
  test::now += c.retryDelayMs();
  c.run();
  CHECK_STR(t.host, "broker.local");
  CHECK_EQ(t.port, 8080);
}
