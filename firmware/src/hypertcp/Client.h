// HyperTCPProtocol<Transport>: the client the sketch uses (the seed's name), binding ClientCore
// to a transport. A Transport provides:
//   bool connect(const char* host, uint16_t port);    // start connecting (may finish at once)
//   hypertcp::ConnectStatus connectStatus();          // InProgress / Connected / Failed
//   int read(uint8_t* buffer, size_t length);          // >0 bytes, 0 nothing yet, <0 closed
//   int write(const uint8_t* buffer, size_t length);   // bytes taken, 0 busy, <0 error
//   void close();
// With <ArduinoJson.h> available it adds the seed's JsonObject overloads.
#ifndef HYPERTCP_CLIENT_H
#define HYPERTCP_CLIENT_H

#include "ClientCore.h"

#if defined(__has_include)
#if __has_include(<ArduinoJson.h>) && !defined(HYPERTCP_NO_ARDUINOJSON)
#include <ArduinoJson.h>
#define HYPERTCP_HAS_ARDUINOJSON 1
#endif
#endif

template <class Transport>
class HyperTCPProtocol : public hypertcp::ClientCore {
 public:
  explicit HyperTCPProtocol(Transport& transport)
      : hypertcp::ClientCore(&HYPERTCP_CONFIG_SYMBOL), transport_(transport) {}
  Transport& transport() { return transport_; }

#if defined(HYPERTCP_HAS_ARDUINOJSON)
  using hypertcp::ClientCore::broadcastMessage;
  using hypertcp::ClientCore::sendMessage;
  using hypertcp::ClientCore::sendToServer;

  // Serialise straight into the TX queue, behind the envelope's start: no copy on the stack.
  // 0 with lastError() set when the payload cannot go, like the text overloads.
  uint16_t sendMessage(const char* targetId, JsonVariantConst payload) {
    return sendJson(hypertcp::Command::JsonMessage, targetId, payload);
  }
  uint16_t sendToServer(JsonVariantConst payload) { return sendMessage("server", payload); }
  uint16_t broadcastMessage(JsonVariantConst payload) {
    return sendJson(hypertcp::Command::Broadcast, "broadcast", payload);
  }

  // The seed's handler signatures. Override these, or the raw (from, payload, length) ones.
  virtual void onMessageReceived(const char* from, JsonObject& payload) {
    (void)from;
    (void)payload;
  }
  virtual void onBroadcastMessage(const char* from, JsonObject& payload) {
    (void)from;
    (void)payload;
  }
  void onMessageReceived(const char* from, const char* payload, size_t length) override {
    dispatchJson(from, payload, length, false);
  }
  void onBroadcastMessage(const char* from, const char* payload, size_t length) override {
    dispatchJson(from, payload, length, true);
  }
#endif

 protected:
  bool ioConnect(const char* host, uint16_t port) override { return transport_.connect(host, port); }
  hypertcp::ConnectStatus ioConnectStatus() override { return transport_.connectStatus(); }
  int ioRead(uint8_t* buffer, size_t length) override { return transport_.read(buffer, length); }
  int ioWrite(const uint8_t* buffer, size_t length) override { return transport_.write(buffer, length); }
  void ioClose() override { transport_.close(); }

 private:
#if defined(HYPERTCP_HAS_ARDUINOJSON)
  uint16_t sendJson(uint8_t type, const char* target, JsonVariantConst payload) {
    size_t length = measureJson(payload);
    char* out = reserveEnvelope(target, length);
    if (out == nullptr) return 0;
    // length + 1: ArduinoJson up to 6.17 writes at most size - 1 characters and then a NUL, later
    // ones a NUL when there is room; that byte is the envelope's closing brace's, written after.
    size_t written = serializeJson(payload, out, length + 1);
    return commitEnvelope(type, target, length, written);
  }

  void dispatchJson(const char* from, const char* payload, size_t length, bool broadcast) {
#if ARDUINOJSON_VERSION_MAJOR >= 7
    JsonDocument doc;  // ArduinoJson 7 sizes itself (on the heap); the core stays heap-free
#else
    StaticJsonDocument<HYPERTCP_JSON_DOCUMENT_SIZE> doc;
#endif
    DeserializationError error = deserializeJson(doc, payload, length);
    if (error) {
      documentRefused(error == DeserializationError::NoMemory);  // NoMemory: valid, but too big
      return;
    }
    JsonObject object = doc.template as<JsonObject>();
    if (broadcast) onBroadcastMessage(from, object);
    else onMessageReceived(from, object);
  }
#endif

  Transport& transport_;
};

#endif
