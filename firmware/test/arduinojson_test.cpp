// The optional ArduinoJson overloads (compiled only when <ArduinoJson.h> exists), against the
// stand-in in test/arduinojson: the seed's JsonObject handler signatures and send overloads.
#include <string.h>

#include "check.h"
#include "scripted.h"

#if !defined(HYPERTCP_HAS_ARDUINOJSON)
#error "this test must see <ArduinoJson.h> (the Makefile adds -Itest/arduinojson)"
#endif

using namespace hypertcp;

namespace {
test::Scripted t;

// The seed's subclass style, word for word.
class SeedStyle : public HyperTCPProtocol<test::Scripted> {
 public:
  explicit SeedStyle(test::Scripted& transport) : HyperTCPProtocol<test::Scripted>(transport) { setClock(test::clock); }
  void onMessageReceived(const char* from, JsonObject& payload) override {
    messages++;
    strcpy(lastFrom, from);
    payload.getString("cmd", lastCmd, sizeof lastCmd);
  }
  void onBroadcastMessage(const char* from, JsonObject& payload) override {
    broadcasts++;
    (void)from;
    (void)payload;
  }
  void onError(Error e) override { lastError = e; }
  int messages = 0, broadcasts = 0;
  char lastFrom[70] = "", lastCmd[16] = "";
  Error lastError = Error::None;
};

bool login(SeedStyle& c) {
  t.reset();
  if (!c.begin("token-12345678", "h", 1)) return false;
  c.run();
  c.run();
  t.pushStatus(1, Status::Success, test::kLoginReply);
  c.run();
  t.dropOutput();
  return c.connected();
}
}  // namespace

TEST(seed_style_json_handlers_receive_parsed_payloads) {
  SeedStyle c(t);
  CHECK(login(c));
  t.pushFrame(Command::JsonMessage, 2, "{\"from\":\"server\",\"payload\":{\"cmd\":\"toggle\"}}");
  t.pushFrame(Command::Broadcast, 3, "{\"from\":\"x\",\"payload\":{}}");
  c.run();
  CHECK_EQ(c.messages, 1);
  CHECK_EQ(c.broadcasts, 1);
  CHECK_STR(c.lastFrom, "server");
  CHECK_STR(c.lastCmd, "toggle");
}

TEST(json_send_overloads_serialise_into_the_frame) {
  SeedStyle c(t);
  CHECK(login(c));
  JsonObject doc("{\"temperature\":25.6}", 20);
  CHECK_EQ(c.sendMessage("server", doc), 2);
  CHECK_EQ(c.sendToServer(doc), 3);
  CHECK_EQ(c.broadcastMessage(doc), 4);
  CHECK_EQ(c.sendToServer("{\"plain\":true}"), 5);  // the text overloads stay reachable
  FrameHeader h;
  const uint8_t* p;
  CHECK(t.nextOut(h, p) && h.type == Command::JsonMessage);
  const char* expected = "{\"targetId\":\"server\",\"payload\":{\"temperature\":25.6}}";
  CHECK(h.length == strlen(expected) && memcmp(p, expected, h.length) == 0);
}
