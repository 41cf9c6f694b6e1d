#include "scripted.h"

namespace test {

uint32_t now = 1000;
uint32_t tick = 0;
uint32_t clock() { return now += tick; }

const char kLoginReply[] = "{\"id\":\"lamp\",\"keepalive\":10,\"maxPayload\":16384}";

bool login(Recorder& client, Scripted& t, bool legacy, const char* reply) {
  client.setLegacyLogin(legacy);
  if (!client.begin("secret-token-1234", "broker.local", 8080)) return false;
  client.run();  // starts the attempt
  client.run();  // connected: LOGIN written
  hypertcp::FrameHeader h;
  const uint8_t* payload;
  if (!t.nextOut(h, payload) || h.type != hypertcp::Command::Login || h.msgId != 1) return false;
  t.pushStatus(1, hypertcp::Status::Success, legacy ? "" : reply);
  client.run();
  return client.connected();
}

}  // namespace test
