// libFuzzer target: arbitrary bytes through the frame decoder (split at fuzzer-chosen points),
// the JSON scanner and payload parsers, and the whole client as a logged-in session's inbound
// stream. Any crash, sanitizer report or broken invariant aborts.
#include <stdlib.h>
#include <string.h>

#include "hypertcp/Envelope.h"
#include "hypertcp/FrameDecoder.h"
#include "scripted.h"

using namespace hypertcp;

namespace {
test::Scripted t;

void require(bool condition) {
  if (!condition) abort();
}

void fuzzDecoder(const uint8_t* data, size_t size) {
  static uint8_t buffer[256];
  FrameDecoder decoder(buffer, sizeof buffer);
  size_t step = size > 0 ? (data[0] % 17) + 1 : 1;
  for (size_t pos = 0; pos < size;) {
    size_t end = pos + step < size ? pos + step : size;
    while (pos < end) {
      FrameDecoder::Result result;
      size_t used = decoder.feed(data + pos, end - pos, result);
      require(used > 0 && used <= end - pos);
      if (result == FrameDecoder::Frame) require(decoder.header().length <= sizeof buffer && isKnownCommand(decoder.header().type));
      pos += used;
    }
  }
}

void fuzzParsers(const uint8_t* data, size_t size) {
  const char* text = reinterpret_cast<const char*>(data);
  json::validate(text, size);
  checkDeviceEnvelope(text, size, nullptr);
  Delivered delivered;
  if (parseDelivered(text, size, delivered)) require(delivered.payload.ptr[0] == '{' && delivered.from[0] != '\0');
  char host[65];
  uint16_t port = 0;
  if (parseRedirect(text, size, host, sizeof host, port)) require(port > 0 && strlen(host) > 0);
  LoginReply reply;
  parseLoginReply(text, size, reply);
  char out[32];
  json::getString(text, size, "cmd", out, sizeof out);
}

void fuzzClient(const uint8_t* data, size_t size) {
  static test::Recorder* client = nullptr;
  if (!client) client = new test::Recorder(t);  // once, outside the per-input work
  t.reset();
  client->clear();
  if (!test::login(*client, t)) abort();
  t.readLimit = size > 0 ? (data[size - 1] % 64) + 1 : 1;
  t.push(data, size);
  for (int i = 0; i < 2000 && t.inPos < t.inLen && client->state() != State::Waiting; i++) {
    client->run();
    t.dropOutput();
  }
  client->disconnect();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  fuzzDecoder(data, size);
  fuzzParsers(data, size);
  fuzzClient(data, size);
  return 0;
}
