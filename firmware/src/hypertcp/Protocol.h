// Wire constants (docs/PROTOCOL.md sections 1-2) and the library's error codes.
#ifndef HYPERTCP_PROTOCOL_H
#define HYPERTCP_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

namespace hypertcp {

static const uint8_t kHeaderSize = 5;
static const uint8_t kMaxIdLength = 64;   // device ids: 1-64 of [A-Za-z0-9_.:-]
static const uint8_t kMaxJsonDepth = 32;  // nesting limit the broker enforces per envelope
// A v2 broker pings every session at least this often (section 4, the RTT probe): the client
// pings a broker silent for this long even if the broker announced a longer keepalive.
static const uint32_t kBrokerProbeMs = 30000;

namespace Command {
static const uint8_t Response = 0;
static const uint8_t Ping = 6;
static const uint8_t Login = 29;
static const uint8_t JsonMessage = 30;
static const uint8_t Redirect = 41;
static const uint8_t Broadcast = 50;
}  // namespace Command

bool isKnownCommand(uint8_t type);

namespace Status {
static const uint8_t RateLimited = 1;
static const uint8_t IllegalCommand = 2;
static const uint8_t NotAuthenticated = 5;
static const uint8_t NotAllowed = 6;
static const uint8_t TargetOffline = 7;
static const uint8_t InvalidToken = 9;
static const uint8_t Malformed = 11;
static const uint8_t TargetUnknown = 12;
static const uint8_t PayloadTooLarge = 13;
static const uint8_t QueueFull = 14;
static const uint8_t Timeout = 16;
static const uint8_t ServerError = 19;
static const uint8_t UnsupportedVersion = 20;
static const uint8_t Success = 200;
}  // namespace Status

const char* statusName(uint8_t status);

// Why a connection ended or an operation failed. errorName() gives the snake_case word used in
// logs; the connection-ending ones match the broker's disconnect reasons where they overlap.
enum class Error : uint8_t {
  None = 0,
  BadArgument,       // connect() with an empty/too long token or host, or port 0
  NotConnected,      // send while not logged in
  ConnectFailed,     // TCP connect refused / unreachable / DNS failure
  ConnectTimeout,
  ClosedByPeer,
  IoError,
  LoginTimeout,
  AuthFailed,        // broker answered INVALID_TOKEN
  LoginRejected,     // another non-success login status (see lastStatus())
  UnsupportedVersion,
  KeepaliveTimeout,  // the broker stayed silent past the ping deadline
  Redirected,        // the broker moved us; we reconnect at once
  RedirectFailed,    // gave up on the redirect target, back to the original broker
  FrameTooLarge,     // inbound frame bigger than HYPERTCP_RX_BUFFER_SIZE: skipped whole
  UnknownFrame,      // inbound frame of an unknown type: skipped whole
  InvalidJson,       // inbound envelope/reply is not what the spec says: dropped
  TxBufferFull,      // outbound frame does not fit behind what is still queued; retry later
  PayloadTooLarge,   // outbound frame can never fit (buffer or broker limit)
  BadTarget,         // target id not 1-64 of [A-Za-z0-9_.:-]
  InvalidPayload,    // outbound payload is not a JSON object the broker would accept
  Stopped,           // disconnect() was called
  JsonDocumentFull,  // a valid inbound payload too big for the ArduinoJson document (Client.h): dropped
};

const char* errorName(Error error);

}  // namespace hypertcp

#endif
