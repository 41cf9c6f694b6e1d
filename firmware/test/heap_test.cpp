// Proves the client allocates nothing in steady state: malloc and operator new are replaced with
// counting versions, then a long exchange runs (messages both ways, pings, acks, a reconnect).
// Built without sanitizers, which would replace malloc themselves.
#include <new>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count_alloc.h"
#include "scripted.h"

using namespace hypertcp;

namespace {
test::Scripted t;

int fail(const char* what) {
  printf("FAIL %s\n", what);
  return 1;
}
}  // namespace

int main() {
  if (!allocationCounterWorks()) return fail("allocation counter does not count");

  static test::Recorder client(t);
  static const Control controls[] = {{"relay1", ControlKind::Relay, "Lamp", 0, 0, 0, nullptr, 0}};
  static const DeviceInfo device = {"lamp", "1.0.0", "host", controls, 1, nullptr, 0};
  client.setDevice(&device);
  if (!test::login(client, t)) return fail("login");
  printf("heap: logged in; counting allocations over the steady state\n");

  const char* delivered = "{\"from\":\"server\",\"payload\":{\"cmd\":\"toggle\",\"control\":\"relay1\",\"req\":\"r1\"}}";
  long rounds = 20000, sent = 0;
  counting = true;
  for (long i = 0; i < rounds; i++) {
    t.pushFrame(Command::JsonMessage, static_cast<uint16_t>(i + 1), delivered);
    if (i % 10 == 0) t.pushFrame(Command::Ping, static_cast<uint16_t>(i + 2), "", 0);
    t.pushStatus(static_cast<uint16_t>(i + 3), Status::Success);
    client.run();
    char text[96];
    JsonWriter w(text, sizeof text);
    w.beginObject().key("state").beginObject().field("relay1", (i & 1) != 0).endObject().field("req", "r1").endObject();
    sent += client.sendToServer(text, w.length()) != 0;
    test::now += 1;
    if (i == rounds / 2) {  // one reconnect in the middle
      t.peerClosed = true;
      client.run();
      test::now += client.retryDelayMs();
      client.run();
      client.run();
      t.pushStatus(1, Status::Success, test::kLoginReply);
      client.run();
    }
    t.inLen = t.inPos = 0;
    t.dropOutput();
  }
  counting = false;
  printf("heap: %ld rounds, %d messages in, %ld sent, %d reconnects: %ld allocations\n", rounds, client.messages, sent,
         client.connectedCount - 1, static_cast<long>(allocations));
  if (client.messages < rounds - 1 || sent < rounds - 1 || client.connectedCount != 2) return fail("exchange did not run");
  if (allocations != 0) return fail("the client allocated on the heap");
  printf("ok   zero heap allocations in steady state\n");
  return 0;
}
