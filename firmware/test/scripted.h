// A scripted transport and a recording client for host tests: the test plays the broker by
// pushing bytes and reading what the client wrote. Fixed arrays only (the heap test uses it too).
#ifndef HYPERTCP_TEST_SCRIPTED_H
#define HYPERTCP_TEST_SCRIPTED_H

#include <stdio.h>
#include <string.h>

#include "HyperTCP.h"

namespace test {

extern uint32_t now;   // the fake clock every test client uses
extern uint32_t tick;  // added to now on every clock() call (0: time stands still)
uint32_t clock();

struct Scripted {
  static const size_t kSize = 70000;
  uint8_t in[kSize];
  size_t inLen, inPos;
  size_t readLimit;   // bytes per read() call
  bool peerClosed;    // read() returns -1 once the inbound bytes are drained
  uint8_t out[kSize];
  size_t outLen, outPos;
  size_t writeLimit;  // bytes accepted per write() call; 0 = socket busy
  bool writeError;
  bool connectResult;
  hypertcp::ConnectStatus status;
  bool open;
  int connects, closes;
  char host[80];
  uint16_t port;
  uint8_t greeting[64];  // pushed as inbound bytes on every connect (a scripted broker's reply)
  size_t greetingLen;

  Scripted() { reset(); }
  void reset() {
    inLen = inPos = outLen = outPos = 0;
    readLimit = kSize;
    writeLimit = kSize;
    peerClosed = writeError = open = false;
    connectResult = true;
    status = hypertcp::ConnectStatus::Connected;
    connects = closes = 0;
    host[0] = '\0';
    port = 0;
    greetingLen = 0;
  }

  // Transport interface
  bool connect(const char* h, uint16_t p) {
    connects++;
    snprintf(host, sizeof host, "%s", h);
    port = p;
    inLen = inPos = 0;
    peerClosed = false;
    open = connectResult;
    push(greeting, greetingLen);
    return connectResult;
  }
  hypertcp::ConnectStatus connectStatus() { return status; }
  int read(uint8_t* buffer, size_t length) {
    if (!open) return -1;
    size_t left = inLen - inPos;
    if (left == 0) return peerClosed ? -1 : 0;
    size_t n = left < length ? left : length;
    if (n > readLimit) n = readLimit;
    memcpy(buffer, in + inPos, n);
    inPos += n;
    return static_cast<int>(n);
  }
  int write(const uint8_t* buffer, size_t length) {
    if (!open || writeError) return -1;
    size_t n = length < writeLimit ? length : writeLimit;
    if (outLen + n > kSize) n = kSize - outLen;
    memcpy(out + outLen, buffer, n);
    outLen += n;
    return static_cast<int>(n);
  }
  void close() {
    if (open) closes++;
    open = false;
  }

  // Broker side
  void push(const void* bytes, size_t length) {
    memcpy(in + inLen, bytes, length);
    inLen += length;
  }
  void pushFrame(uint8_t type, uint16_t id, const void* payload, size_t length) {
    uint8_t header[5];
    hypertcp::encodeHeader(header, type, id, static_cast<uint16_t>(length));
    push(header, 5);
    if (length) push(payload, length);
  }
  void pushFrame(uint8_t type, uint16_t id, const char* text) { pushFrame(type, id, text, strlen(text)); }
  void pushStatus(uint16_t id, uint8_t code, const char* json = "") {
    uint8_t body[256];
    body[0] = code;
    size_t n = strlen(json);
    memcpy(body + 1, json, n);
    pushFrame(hypertcp::Command::Response, id, body, n + 1);
  }
  // Next frame the client wrote; false when none is complete.
  bool nextOut(hypertcp::FrameHeader& header, const uint8_t*& payload) {
    if (outLen - outPos < 5) return false;
    const uint8_t* p = out + outPos;
    header.type = p[0];
    header.msgId = static_cast<uint16_t>(p[1] << 8 | p[2]);
    header.length = static_cast<uint16_t>(p[3] << 8 | p[4]);
    if (outLen - outPos < 5u + header.length) return false;
    payload = p + 5;
    outPos += 5u + header.length;
    return true;
  }
  // True when the next frame the client wrote has this type and id (and payload, if given).
  bool expectFrame(uint8_t type, uint16_t id, const char* payload = nullptr) {
    hypertcp::FrameHeader h;
    const uint8_t* p;
    if (!nextOut(h, p) || h.type != type || h.msgId != id) return false;
    return payload == nullptr || (h.length == strlen(payload) && memcmp(p, payload, h.length) == 0);
  }
  void dropOutput() { outLen = outPos = 0; }
};

// Records everything the client reports.
class Recorder : public HyperTCPProtocol<Scripted> {
 public:
  static const int kMax = 64;
  explicit Recorder(Scripted& t) : HyperTCPProtocol<Scripted>(t) { clear(); setClock(test::clock); setRandomSeed(1); }

  void clear() {
    messages = broadcasts = connectedCount = disconnects = errors = acks = 0;
    lastDisconnect = lastErrorSeen = hypertcp::Error::None;
    lastFrom[0] = lastPayload[0] = '\0';
    lastAckStatus = 0;
    lastAckId = 0;
    lastLength = 0;
  }
  void onMessageReceived(const char* from, const char* payload, size_t length) override {
    record(from, payload, length);
    messages++;
  }
  void onBroadcastMessage(const char* from, const char* payload, size_t length) override {
    record(from, payload, length);
    broadcasts++;
  }
  void onConnected() override { connectedCount++; }
  void onDisconnected(hypertcp::Error reason) override {
    disconnects++;
    lastDisconnect = reason;
  }
  void onError(hypertcp::Error error) override {
    errors++;
    if (errors <= kMax) errorLog[errors - 1] = error;
    lastErrorSeen = error;
  }
  void onAck(uint16_t msgId, uint8_t status) override {
    acks++;
    lastAckId = msgId;
    lastAckStatus = status;
  }
  int countErrors(hypertcp::Error e) const {
    int n = 0;
    for (int i = 0; i < errors && i < kMax; i++) n += errorLog[i] == e;
    return n;
  }

  int messages, broadcasts, connectedCount, disconnects, errors, acks;
  hypertcp::Error lastDisconnect, lastErrorSeen, errorLog[kMax];
  uint16_t lastAckId;
  uint8_t lastAckStatus;
  char lastFrom[80], lastPayload[2048];
  size_t lastLength;

 private:
  void record(const char* from, const char* payload, size_t length) {
    snprintf(lastFrom, sizeof lastFrom, "%s", from);
    snprintf(lastPayload, sizeof lastPayload, "%s", payload);  // relies on the NUL the client adds
    lastLength = length;
  }
};

extern const char kLoginReply[];  // {"id":"lamp","keepalive":10,"maxPayload":16384}

// begin() + run() until the LOGIN is written and the reply processed. True when Online.
bool login(Recorder& client, Scripted& t, bool legacy = false, const char* reply = kLoginReply);

}  // namespace test

#endif
