// The optional ArduinoJson overloads (compiled only when <ArduinoJson.h> exists), against the
// stand-in in test/arduinojson: the seed's JsonObject handler signatures and send overloads.
#include <pthread.h>
#include <string.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "check.h"
#include "scripted.h"

#if !defined(HYPERTCP_HAS_ARDUINOJSON)
#error "this test must see <ArduinoJson.h> (the Makefile adds -Itest/arduinojson)"
#endif

using namespace hypertcp;

size_t fakeDocumentCapacity = 0;

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

namespace {
Error eventError = Error::None;
int errorEvents = 0;
void recordEvent(const Event& event, void*) {
  if (event.type != EventType::Error) return;
  errorEvents++;
  eventError = event.error;
}
}  // namespace

// A valid payload the document has no room for is its own error (json_document_full), seen by
// the event handler and onError and counted, not an invalid_json that nothing counted.
TEST(a_payload_too_big_for_the_document_is_reported_and_counted) {
  SeedStyle c(t);
  c.setEventHandler(recordEvent);
  errorEvents = 0;
  CHECK(login(c));
  fakeDocumentCapacity = 16;
  t.pushFrame(Command::JsonMessage, 2, "{\"from\":\"server\",\"payload\":{\"cmd\":\"a long command\"}}");
  c.run();
  fakeDocumentCapacity = 0;
  CHECK_EQ(c.messages, 0);
  CHECK(c.lastError == Error::JsonDocumentFull);
  CHECK_EQ(errorEvents, 1);
  CHECK(eventError == Error::JsonDocumentFull);
  CHECK_EQ(c.stats().jsonDocumentFull, 1);
  CHECK_EQ(c.stats().invalidJson, 0);
  CHECK_STR(errorName(Error::JsonDocumentFull), "json_document_full");
  // One that fits still arrives.
  t.pushFrame(Command::JsonMessage, 3, "{\"from\":\"server\",\"payload\":{\"cmd\":\"go\"}}");
  c.run();
  CHECK_EQ(c.messages, 1);
  CHECK_EQ(errorEvents, 1);
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

// A payload that cannot be sent says why (lastError), like the text overloads: too large for the
// broker's maxPayload or the TX buffer, the queue full, not a JSON object, not connected.
TEST(json_send_overloads_report_why_nothing_was_sent) {
  SeedStyle c(t);
  CHECK(login(c));  // maxPayload 16384, TX buffer HYPERTCP_TX_BUFFER_SIZE
  static char big[HYPERTCP_TX_BUFFER_SIZE + 16];  // {"a":"xx...x"}
  memset(big, 'x', sizeof big);
  memcpy(big, "{\"a\":\"", 6);
  memcpy(big + sizeof big - 2, "\"}", 2);
  CHECK_EQ(c.sendToServer(JsonVariantConst(big, sizeof big)), 0);
  CHECK(c.ClientCore::lastError() == Error::PayloadTooLarge);
  CHECK_EQ(c.broadcastMessage(JsonVariantConst(big, sizeof big)), 0);
  CHECK(c.ClientCore::lastError() == Error::PayloadTooLarge);
  CHECK_EQ(c.sendMessage("server", JsonVariantConst("[1,2]", 5)), 0);
  CHECK(c.ClientCore::lastError() == Error::InvalidPayload);
  CHECK_EQ(c.sendMessage("bad target", JsonVariantConst("{}", 2)), 0);
  CHECK(c.ClientCore::lastError() == Error::BadTarget);
  // The socket takes nothing: the queue fills, then TxBufferFull.
  t.writeLimit = 0;
  size_t half = HYPERTCP_TX_BUFFER_SIZE / 2 - 40;
  memset(big, ' ', sizeof big);
  memcpy(big, "{}", 2);
  CHECK(c.sendToServer(JsonVariantConst(big, half)) != 0);
  CHECK_EQ(c.sendToServer(JsonVariantConst(big, half + 60)), 0);
  CHECK(c.ClientCore::lastError() == Error::TxBufferFull);
  t.writeLimit = test::Scripted::kSize;
  c.run();  // the queued frame leaves; the next fits again
  CHECK(c.sendToServer(JsonVariantConst(big, half + 60)) != 0);
  c.disconnect();
  CHECK_EQ(c.sendToServer(JsonVariantConst("{}", 2)), 0);
  CHECK(c.ClientCore::lastError() == Error::NotConnected);
}

namespace {
// Stack bytes fn touches, measured on a thread of its own: just before the call the thread paints
// the stack below its own frame, and after it looks for the deepest byte changed (ESP8266
// sketches run loop() on a 4 KB stack: the overloads must not put a TX-buffer-sized copy there).
unsigned char probeStack[256 * 1024] __attribute__((aligned(64)));
struct Probe {
  void (*fn)();
  size_t used;
};
void* runProbe(void* arg) {
  Probe* probe = static_cast<Probe*>(arg);
  volatile unsigned char here = 0;
  unsigned char* top = const_cast<unsigned char*>(&here) - 1024;  // below this frame and its calls
#if defined(__SANITIZE_ADDRESS__)
  __asan_unpoison_memory_region(probeStack, static_cast<size_t>(top - probeStack));
#endif
  for (volatile unsigned char* p = probeStack; p < top; p++) *p = 0xA5;  // no call: nothing below us yet
  probe->fn();
#if defined(__SANITIZE_ADDRESS__)
  __asan_unpoison_memory_region(probeStack, static_cast<size_t>(top - probeStack));
#endif
  unsigned char* deepest = probeStack;
  while (deepest < top && *deepest == 0xA5) deepest++;
  probe->used = static_cast<size_t>(const_cast<unsigned char*>(&here) - deepest);
  return nullptr;
}
size_t stackUsed(void (*fn)()) {
  Probe probe = {fn, 0};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, probeStack, sizeof probeStack);
  pthread_t thread;
  if (pthread_create(&thread, &attr, runProbe, &probe) != 0) return 0;
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return probe.used;
}

SeedStyle* probed;
const char kProbePayload[] = "{\"temperature\":25.6}";
void sendText() { probed->sendToServer(kProbePayload, sizeof kProbePayload - 1); }
void sendJson() { probed->sendToServer(JsonVariantConst(kProbePayload, sizeof kProbePayload - 1)); }
}  // namespace

// The JsonVariantConst overloads serialise into the TX queue itself: they need about the stack of
// the text overloads, not HYPERTCP_TX_BUFFER_SIZE more (up to 65535).
TEST(json_send_overloads_need_no_stack_copy_of_the_frame) {
  SeedStyle c(t);
  CHECK(login(c));
  probed = &c;
  size_t text = stackUsed(sendText), json = stackUsed(sendJson);
  printf("  stack: text overload %zu B, JsonVariantConst overload %zu B (TX buffer %d B)\n", text, json,
         HYPERTCP_TX_BUFFER_SIZE);
  CHECK(text > 0 && json > 0);
  CHECK(json < text + HYPERTCP_TX_BUFFER_SIZE / 2);
  FrameHeader h;
  const uint8_t* p;
  int frames = 0;
  while (t.nextOut(h, p)) frames += h.type == Command::JsonMessage;
  CHECK_EQ(frames, 2);
}
