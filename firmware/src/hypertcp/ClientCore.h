// The protocol client's state machine, independent of the transport. HyperTCPProtocol<Transport>
// (Client.h) plugs a transport in through the io*() hooks. Everything lives in fixed members:
// no heap, and run() does a bounded amount of work per call.
#ifndef HYPERTCP_CLIENT_CORE_H
#define HYPERTCP_CLIENT_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "Config.h"
#include "DeviceInfo.h"
#include "Envelope.h"  // LoginReply
#include "FrameDecoder.h"
#include "Platform.h"
#include "Protocol.h"
#include "UdpHook.h"

extern "C" const uint8_t HYPERTCP_CONFIG_SYMBOL;  // see Config.h

namespace hypertcp {

enum class State : uint8_t {
  Idle,        // not started, or disconnect() was called
  Waiting,     // backing off before the next connection attempt
  Connecting,  // transport connect in progress
  LoggingIn,   // LOGIN sent, waiting for the reply
  Online,      // logged in
};
const char* stateName(State state);

enum class ConnectStatus : uint8_t { InProgress, Connected, Failed };

struct Message {
  const char* from;     // sender id or "server", NUL-terminated
  const char* payload;  // the payload object's JSON, NUL-terminated, valid during the callback
  uint16_t length;      // payload length in bytes
  uint16_t msgId;
  bool broadcast;
};

enum class EventType : uint8_t { Connected, Disconnected, Error, Ack, Ping, Redirect };
struct Event {
  EventType type;
  Error error;      // Disconnected: the reason; Error: what went wrong
  uint16_t msgId;   // Ack, Ping, and errors about an inbound frame
  uint8_t status;   // Ack: the broker's status (SUCCESS for the empty legacy ack)
};

typedef void (*MessageHandler)(const Message& message, void* context);
typedef void (*EventHandler)(const Event& event, void* context);

struct Stats {
  uint32_t framesIn, framesOut, bytesIn, bytesOut;
  uint32_t messagesIn, skippedFrames, invalidJson;
  uint32_t logins, failedAttempts, redirects;
  uint32_t jsonDocumentFull;  // payloads the ArduinoJson handlers never saw (Client.h)
};

class ClientCore {
 public:
  // --- setup (call before begin/connect) ---
  // Kept by pointer. False (BadArgument) when the broker would refuse the description
  // (isValidDevice, Envelope.h); begin() then refuses to start a v2 login with it.
  bool setDevice(const DeviceInfo* device);
  void setLegacyLogin(bool legacy) { legacy_ = legacy; }           // raw-token LOGIN like the seed
  void setClock(MillisFn clock) { clock_ = clock ? clock : platformMillis; }
  // Otherwise begin() seeds the reconnect jitter from the platform (ESP: hardware RNG).
  void setRandomSeed(uint32_t seed) {
    random_.seed(seed);
    randomSeedSet_ = true;
  }
  // Overrides the keepalive; 0 keeps the broker's value (v2, at most kBrokerProbeMs) or
  // HYPERTCP_KEEPALIVE_MS.
  void setKeepalive(uint32_t intervalMs, uint32_t timeoutMs);
  void setMessageHandler(MessageHandler handler, void* context = nullptr);
  void setBroadcastHandler(MessageHandler handler, void* context = nullptr);
  void setEventHandler(EventHandler handler, void* context = nullptr);
#if HYPERTCP_ENABLE_UDP
  // udp::UdpLink attaches itself here; with a hook the v2 LOGIN asks for UDP ("udp":true).
  void attachUdp(UdpHook* hook) { udp_ = hook; }
  // A delivered envelope that came over UDP: the same checks and handlers as over TCP (msgId 0).
  // text is modified in place (the payload gets its NUL).
  void deliverEnvelope(char* text, size_t length) {
    FrameHeader header = {Command::JsonMessage, 0, static_cast<uint16_t>(length)};
    deliver(header, text);
  }
#endif

  // --- connection ---
  // Non-blocking: stores token and broker (copied) and starts the first attempt on the next
  // run(). False on bad arguments (see lastError()): BadArgument for an empty or too long token
  // or host, port 0, or (v2) a device description the broker would refuse; PayloadTooLarge when
  // the v2 LOGIN does not fit HYPERTCP_TX_BUFFER_SIZE (the client is stopped then).
  bool begin(const char* token, const char* host, uint16_t port);
  // The seed's blocking style: begin() then run() until logged in or timeoutMs passed. Either way
  // run() keeps (re)connecting afterwards; it returns at once on a refusal that the same LOGIN
  // cannot get past (invalid token, unsupported version, malformed LOGIN).
  bool connect(const char* token, const char* host, uint16_t port,
               uint32_t timeoutMs = HYPERTCP_CONNECT_TIMEOUT_MS + HYPERTCP_LOGIN_TIMEOUT_MS);
  void disconnect();  // closes and stays Idle until begin()/connect()
  void run();         // call from loop(); never blocks

  // --- sending (only while Online). Return the frame's msg id, or 0 with lastError() set. ---
  uint16_t sendMessage(const char* targetId, const char* json);
  uint16_t sendMessage(const char* targetId, const char* json, size_t length);
  uint16_t sendToServer(const char* json) { return sendMessage("server", json); }
  uint16_t sendToServer(const char* json, size_t length) { return sendMessage("server", json, length); }
  uint16_t broadcastMessage(const char* json);
  uint16_t broadcastMessage(const char* json, size_t length);

  // --- status ---
  bool connected() const { return state_ == State::Online; }
  bool isConnected() const { return connected(); }
  State state() const { return state_; }
  Error lastError() const { return lastError_; }
  Error disconnectReason() const { return disconnectReason_; }
  uint8_t lastStatus() const { return lastStatus_; }  // status byte of the last login reply
  const char* deviceId() const { return login_.id; }  // the id the broker knows us by ("" if unknown)
#if HYPERTCP_ENABLE_REDIRECT
  const char* host() const { return redirectActive_ ? redirectHost_ : host_; }
  uint16_t port() const { return redirectActive_ ? redirectPort_ : port_; }
  bool redirected() const { return redirectActive_; }
#else
  const char* host() const { return host_; }
  uint16_t port() const { return port_; }
  bool redirected() const { return false; }
#endif
  uint32_t rttMs() const { return rttMs_; }
  uint32_t keepaliveMs() const { return keepaliveMs_; }
  uint32_t retryDelayMs() const { return waitMs_; }  // the current backoff delay
  size_t txPending() const { return txEnd_ - txStart_; }
  uint16_t maxOutboundPayload() const;
  const Stats& stats() const { return stats_; }

  // --- subclass-style handlers (the seed's names); the callbacks run first ---
  virtual void onMessageReceived(const char* from, const char* payload, size_t length);
  virtual void onBroadcastMessage(const char* from, const char* payload, size_t length);
  virtual void onConnected() {}
  virtual void onDisconnected(Error reason) { (void)reason; }
  virtual void onError(Error error) { (void)error; }
  virtual void onAck(uint16_t msgId, uint8_t status) {
    (void)msgId;
    (void)status;
  }

 protected:
  // configMark: &HYPERTCP_CONFIG_SYMBOL as the subclass's file sees it (links only if it matches).
  explicit ClientCore(const uint8_t* configMark);
  ~ClientCore() {}  // never deleted through the base; no virtual destructor keeps AVR links small

  // A payload serialised straight into the TX queue (Client.h's ArduinoJson overloads: no copy
  // of the frame on the stack). reserveEnvelope() makes room for an envelope to target with a
  // payload of length bytes and returns where the payload goes, with length + 1 bytes writable
  // (the last becomes the envelope's closing brace), or nullptr with lastError() set (as the
  // text overloads set it). commitEnvelope() then checks the written bytes like sendMessage()
  // does (InvalidPayload, also when written != length) and queues the frame: its msg id or 0.
  char* reserveEnvelope(const char* target, size_t length);
  uint16_t commitEnvelope(uint8_t type, const char* target, size_t length, size_t written);
  // Client.h's ArduinoJson handlers could not parse a payload: counted and reported like the
  // core's own errors (event handler and onError), as invalid_json or, when the document ran out
  // of room, json_document_full.
  void documentRefused(bool documentFull);

  // Transport hooks, implemented by HyperTCPProtocol<Transport>.
  virtual bool ioConnect(const char* host, uint16_t port) = 0;
  virtual ConnectStatus ioConnectStatus() = 0;
  virtual int ioRead(uint8_t* buffer, size_t length) = 0;          // >0 bytes, 0 none, <0 closed
  virtual int ioWrite(const uint8_t* buffer, size_t length) = 0;   // bytes taken, 0 busy, <0 error
  virtual void ioClose() = 0;

 private:
  ClientCore(const ClientCore&);             // not copyable: buffers and a transport reference
  ClientCore& operator=(const ClientCore&);

  // lifecycle (ClientCore.cpp)
  void startAttempt(uint32_t now);
  void startLogin(uint32_t now);
  size_t loginLength(const char* token);
  void drop(Error reason, bool immediate = false);
  void checkTimers(uint32_t now);
  uint32_t nextBackoff();
  void emit(EventType type, Error error, uint16_t msgId = 0, uint8_t status = 0);

  // frames (ClientFrames.cpp)
  void receive(uint32_t now);
  void onDecoded(FrameDecoder::Result result, uint32_t now);
  void handleLoginReply(const FrameHeader& header, uint32_t now);
  void handleFrame(const FrameHeader& header, uint32_t now);
#if HYPERTCP_ENABLE_UDP
  void deliver(const FrameHeader& header, char* text);  // text: rx_, or a UDP message
#else
  void deliver(const FrameHeader& header);  // the TCP-only build keeps its exact code
#endif
  void handleRedirect(const FrameHeader& header);
  void invalidJson(uint16_t msgId);  // counts and reports an inbound frame that broke the spec
  uint16_t sendEnvelope(uint8_t type, const char* target, const char* json, size_t length);
  void sendEmpty(uint8_t type, uint16_t msgId);  // a header-only frame (ack, ping), queued and flushed
  // Queues the frame whose body of `length` bytes is written behind tx_[txEnd_ + kHeaderSize]
  // (makeRoom() made room) and flushes.
  void commit(uint8_t type, uint16_t msgId, uint16_t length);
  bool makeRoom(size_t bytes);
  bool flush();
  uint16_t nextMsgId();
  // Adds to a Stats counter. Out of line on AVR, which adds 32-bit numbers in memory byte by byte
  // (about 40 B per update inlined, 8 B per call); inline elsewhere, where a call costs more.
#if defined(__AVR__)
  static __attribute__((noinline)) void count(uint32_t& counter, uint32_t amount = 1);
#else
  static void count(uint32_t& counter, uint32_t amount = 1) { counter += amount; }
#endif

  // Layout: small, often used members first and the strings and buffers last, so that most
  // offsets from `this` fit the short load/store encodings (xtensa: 32-bit words up to 60).
  // The constructor zeroes txStart_ .. stats_ in one go: keep txStart_ first, stats_ last, and
  // every member in between zero-initialisable.
  uint16_t txStart_, txEnd_;
  State state_;
  uint8_t epoch_;  // bumps on every drop, so loops notice a reconnect caused by a callback
  Error lastError_, disconnectReason_;
  uint8_t lastStatus_;
  bool pingOutstanding_, rxSincePing_;
  uint8_t failures_;
  uint16_t msgId_, loginId_, pingId_;
  uint16_t port_;
  uint32_t stateSince_, waitMs_;
  uint32_t lastRx_, pingSentAt_, rttMs_;
  uint32_t keepaliveMs_, pingTimeoutMs_, keepaliveOverrideMs_, pingTimeoutOverrideMs_;

  MillisFn clock_;
  Random random_;
  MessageHandler messageHandlers_[2];  // [0] direct messages, [1] broadcasts
  void* messageContexts_[2];
  EventHandler eventHandler_;
  void* eventContext_;
  const DeviceInfo* device_;
#if HYPERTCP_ENABLE_UDP
  UdpHook* udp_;
#endif
  bool legacy_;
  bool randomSeedSet_;  // setRandomSeed() was called: begin() keeps that seed
#if HYPERTCP_ENABLE_REDIRECT
  bool redirectActive_;
  uint8_t redirectFailures_;
  uint16_t redirectPort_;
  char redirectHost_[HYPERTCP_MAX_HOST_LENGTH + 1];
#endif
  char token_[HYPERTCP_MAX_TOKEN_LENGTH + 1];
  char host_[HYPERTCP_MAX_HOST_LENGTH + 1];
  LoginReply login_;  // the last v2 login reply: our id, the broker's keepalive and payload limit
  Stats stats_;  // last: see txStart_

  FrameDecoder decoder_;
  uint8_t rx_[HYPERTCP_RX_BUFFER_SIZE + 1];  // +1: room to NUL-terminate a payload
  uint8_t tx_[HYPERTCP_TX_BUFFER_SIZE];
};

}  // namespace hypertcp

#endif
