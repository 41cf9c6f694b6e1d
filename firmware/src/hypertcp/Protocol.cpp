#include "Protocol.h"

namespace hypertcp {

bool isKnownCommand(uint8_t type) {
  // One bit per known command (Response 0, Ping 6, Login 29, JsonMessage 30; Redirect 41,
  // Broadcast 50 in the second word): smaller than six compares.
  static const uint32_t kLow = 1UL << Command::Response | 1UL << Command::Ping | 1UL << Command::Login |
                               1UL << Command::JsonMessage;
  static const uint32_t kHigh = 1UL << (Command::Redirect - 32) | 1UL << (Command::Broadcast - 32);
  return type < 64 && (((type < 32 ? kLow : kHigh) >> (type & 31)) & 1);
}

const char* statusName(uint8_t status) {
  switch (status) {
    case Status::RateLimited: return "RATE_LIMITED";
    case Status::IllegalCommand: return "ILLEGAL_COMMAND";
    case Status::NotAuthenticated: return "NOT_AUTHENTICATED";
    case Status::NotAllowed: return "NOT_ALLOWED";
    case Status::TargetOffline: return "TARGET_OFFLINE";
    case Status::InvalidToken: return "INVALID_TOKEN";
    case Status::Malformed: return "MALFORMED";
    case Status::TargetUnknown: return "TARGET_UNKNOWN";
    case Status::PayloadTooLarge: return "PAYLOAD_TOO_LARGE";
    case Status::QueueFull: return "QUEUE_FULL";
    case Status::Timeout: return "TIMEOUT";
    case Status::ServerError: return "SERVER_ERROR";
    case Status::UnsupportedVersion: return "UNSUPPORTED_VERSION";
    case Status::Success: return "SUCCESS";
    default: return "UNKNOWN_STATUS";
  }
}

const char* errorName(Error error) {
  switch (error) {
    case Error::None: return "none";
    case Error::BadArgument: return "bad_argument";
    case Error::NotConnected: return "not_connected";
    case Error::ConnectFailed: return "connect_failed";
    case Error::ConnectTimeout: return "connect_timeout";
    case Error::ClosedByPeer: return "closed_by_peer";
    case Error::IoError: return "io_error";
    case Error::LoginTimeout: return "login_timeout";
    case Error::AuthFailed: return "auth_failed";
    case Error::LoginRejected: return "login_rejected";
    case Error::UnsupportedVersion: return "unsupported_version";
    case Error::KeepaliveTimeout: return "keepalive_timeout";
    case Error::Redirected: return "redirected";
    case Error::RedirectFailed: return "redirect_failed";
    case Error::FrameTooLarge: return "frame_too_large";
    case Error::UnknownFrame: return "unknown_frame";
    case Error::InvalidJson: return "invalid_json";
    case Error::TxBufferFull: return "tx_buffer_full";
    case Error::PayloadTooLarge: return "payload_too_large";
    case Error::BadTarget: return "bad_target";
    case Error::InvalidPayload: return "invalid_payload";
    case Error::Stopped: return "stopped";
    case Error::JsonDocumentFull: return "json_document_full";
  }
  return "unknown";
}

}  // namespace hypertcp
