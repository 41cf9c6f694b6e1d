// Built only with -DHYPERTCP_STRICT_JSON=0 (mk/variants.mk): the structural scanner still keeps
// every broken structure, "__proto__" and deep nesting away from the sketch and the broker, and
// passes details it does not check (number spelling, escapes, UTF-8) through unchanged.
#include <string.h>

#include "check.h"
#include "hypertcp/Config.h"
#include "scripted.h"

#if HYPERTCP_STRICT_JSON
#error "lenient_test is for builds with HYPERTCP_STRICT_JSON=0"
#endif

using namespace hypertcp;
using test::Recorder;
using test::Scripted;

namespace {
Scripted t;
}

TEST(broken_structure_from_the_broker_is_still_refused) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  const char* bad[] = {"{\"from\":\"server\",\"payload\":{\"a\":[1}}", "{\"from\":\"server\",\"payload\":{\"a\":\"x}}",
                       "{\"from\":\"server\",\"payload\":{\"__proto__\":1}}", "{\"from\":\"server\",\"payload\":{\"a\" 1}}",
                       "{\"from\":\"server\",\"payload\":{\"a\":1}} trailing"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) t.pushFrame(Command::JsonMessage, static_cast<uint16_t>(10 + i), bad[i]);
  c.run();
  CHECK(c.connected());
  CHECK_EQ(c.messages, 0);
  CHECK_EQ(c.countErrors(Error::InvalidJson), 5);
  CHECK_EQ(c.stats().invalidJson, 5);
}

TEST(unchecked_details_reach_the_sketch_unchanged) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  t.pushFrame(Command::JsonMessage, 10, "{\"from\":\"server\",\"payload\":{\"n\":01,\"s\":\"\\q\"}}");
  c.run();
  CHECK_EQ(c.messages, 1);
  CHECK_STR(c.lastPayload, "{\"n\":01,\"s\":\"\\q\"}");
}

TEST(outbound_payloads_still_need_a_sound_object) {
  t.reset();
  Recorder c(t);
  CHECK(test::login(c, t));
  CHECK_EQ(c.sendToServer("{\"a\":[1}"), 0);
  CHECK(c.lastError() == Error::InvalidPayload);
  CHECK_EQ(c.sendToServer("[1]"), 0);
  CHECK_EQ(c.sendToServer("{\"__proto__\":{}}"), 0);
  char deep[80] = "{\"a\":";
  for (int i = 0; i < 33; i++) strcat(deep, "[");
  CHECK_EQ(c.sendToServer(deep), 0);
  CHECK(c.sendToServer("{\"ok\":true}") != 0);
}
