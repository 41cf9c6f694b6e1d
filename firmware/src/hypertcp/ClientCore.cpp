// Connection lifecycle: attempts, login, backoff, keepalive, redirect fallback.
#include "ClientCore.h"

#include <string.h>

#include "Envelope.h"
#include "Flash.h"

extern "C" const uint8_t HYPERTCP_CONFIG_SYMBOL = 1;

namespace hypertcp {

namespace {
const uint32_t kStableSessionMs = 30000;  // online this long: the backoff starts over
}  // namespace

const char* stateName(State state) {
  switch (state) {
    case State::Idle: return "idle";
    case State::Waiting: return "waiting";
    case State::Connecting: return "connecting";
    case State::LoggingIn: return "logging_in";
    case State::Online: return "online";
  }
  return "unknown";
}

ClientCore::ClientCore(const uint8_t* configMark) : decoder_(rx_, HYPERTCP_RX_BUFFER_SIZE) {
  // Every member from txStart_ to stats_ starts as zero (Idle, Error::None, nullptr, false, ""):
  // one memset instead of thirty stores keeps the constructor small. Members with the same
  // access are laid out in declaration order, so the range covers exactly them (ClientCore.h).
  char* first = reinterpret_cast<char*>(&txStart_);
  memset(first, 0, static_cast<size_t>(reinterpret_cast<char*>(&stats_ + 1) - first));
  keepaliveMs_ = HYPERTCP_KEEPALIVE_MS;
  pingTimeoutMs_ = HYPERTCP_PING_TIMEOUT_MS;
  clock_ = platformMillis;
  random_.seed(0);  // begin() seeds it: a global client is built before Arduino's init()
  // A real load of the mark (any epoch start works): even with -flto the reference must stay,
  // so a mismatched configuration cannot link.
  epoch_ = *configMark;
}

void ClientCore::setKeepalive(uint32_t intervalMs, uint32_t timeoutMs) {
  keepaliveOverrideMs_ = intervalMs;
  pingTimeoutOverrideMs_ = timeoutMs;
}

void ClientCore::setMessageHandler(MessageHandler handler, void* context) {
  messageHandlers_[0] = handler;
  messageContexts_[0] = context;
}

void ClientCore::setBroadcastHandler(MessageHandler handler, void* context) {
  messageHandlers_[1] = handler;
  messageContexts_[1] = context;
}

void ClientCore::setEventHandler(EventHandler handler, void* context) {
  eventHandler_ = handler;
  eventContext_ = context;
}

bool ClientCore::setDevice(const DeviceInfo* device) {
  device_ = device;
  if (device == nullptr || isValidDevice(*device)) return true;
  lastError_ = Error::BadArgument;
  return false;
}

void ClientCore::onMessageReceived(const char*, const char*, size_t) {}
void ClientCore::onBroadcastMessage(const char*, const char*, size_t) {}

bool ClientCore::begin(const char* token, const char* host, uint16_t port) {
  size_t tokenLength = token ? strlen(token) : 0;
  size_t hostLength = host ? strlen(host) : 0;
  if (tokenLength == 0 || tokenLength > HYPERTCP_MAX_TOKEN_LENGTH || hostLength == 0 ||
      hostLength > HYPERTCP_MAX_HOST_LENGTH || port == 0 || (!legacy_ && device_ && !isValidDevice(*device_))) {
    lastError_ = Error::BadArgument;  // a description the broker refuses: MALFORMED for ever
    return false;
  }
  if (state_ != State::Idle) disconnect();
  if (loginLength(token) == 0) {  // would fail every attempt with payload_too_large
    lastError_ = Error::PayloadTooLarge;
    return false;
  }
  memcpy(token_, token, tokenLength + 1);
  memcpy(host_, host, hostLength + 1);
  port_ = port;
#if HYPERTCP_ENABLE_REDIRECT
  redirectActive_ = false;
  redirectFailures_ = 0;
#endif
  failures_ = 0;
  waitMs_ = 0;
  // Here, not in the constructor: before init() an AVR's micros() is 0 and its ADC off, so every
  // board would get the same seed and reconnect in lockstep (and an ESP32's radio is on by now).
  if (!randomSeedSet_) random_.seed(platformRandomSeed());
  stateSince_ = clock_();
  state_ = State::Waiting;  // the first attempt starts on the next run()
  return true;
}

bool ClientCore::connect(const char* token, const char* host, uint16_t port, uint32_t timeoutMs) {
  if (!begin(token, host, port)) return false;
  uint32_t start = clock_();
  while (clock_() - start < timeoutMs) {
    run();
    if (state_ == State::Online) return true;
    if (state_ == State::Waiting &&
        (lastError_ == Error::AuthFailed || lastError_ == Error::UnsupportedVersion ||
         (lastError_ == Error::LoginRejected && lastStatus_ == Status::Malformed))) {
      return false;  // retrying at once cannot help
    }
    platformSleepMs(1);
  }
  return state_ == State::Online;
}

void ClientCore::disconnect() {
  if (state_ == State::Idle) return;
  drop(Error::Stopped);
}

void ClientCore::run() {
  uint32_t now = clock_();
  switch (state_) {
    case State::Idle:
      return;
    case State::Waiting:
      if (now - stateSince_ >= waitMs_) startAttempt(now);
      return;
    case State::Connecting: {
      ConnectStatus status = ioConnectStatus();
      if (status == ConnectStatus::Connected) {
        startLogin(now);
      } else if (status == ConnectStatus::Failed) {
        drop(Error::ConnectFailed);
      } else if (now - stateSince_ >= HYPERTCP_CONNECT_TIMEOUT_MS) {
        drop(Error::ConnectTimeout);
      }
      return;
    }
    case State::LoggingIn:
    case State::Online:
      break;
  }
  uint8_t epoch = epoch_;
  if (!flush() || epoch != epoch_) return;
  receive(now);
  if (epoch != epoch_) return;
  checkTimers(now);
#if HYPERTCP_ENABLE_UDP
  if (udp_ && state_ == State::Online && epoch == epoch_) udp_->udpPoll(now);
#endif
}

void ClientCore::startAttempt(uint32_t now) {
  // Waiting is only entered through drop() or begin() from Idle (the constructor or
  // drop(Stopped)), so decoder, queue and ping state are already clean here.
  stateSince_ = now;
  state_ = State::Connecting;
  if (!ioConnect(host(), port())) drop(Error::ConnectFailed);
}

// Writes the LOGIN's body behind its header's room in tx_; its length, 0 if it does not fit.
// Only while the queue is empty (not connected).
size_t ClientCore::loginLength(const char* token) {
  char* body = reinterpret_cast<char*>(tx_ + kHeaderSize);
  size_t room = sizeof tx_ - kHeaderSize, length;
  if (legacy_) {
    length = strlen(token);
    if (length <= room) memcpy(body, token, length);
    else length = 0;
  } else {
    length = writeV2Login(body, room, token, device_, HYPERTCP_RX_BUFFER_SIZE);
#if HYPERTCP_ENABLE_UDP
    // ,"udp":true before the closing brace (PROTOCOL 9.1)
    static const char kUdpField[] HYPERTCP_FLASH = ",\"udp\":true}";
    if (udp_ && length > 0) {
      length = length - 1 + sizeof kUdpField - 1 <= room ? length - 1 : 0;
      if (length > 0) flashCopy(body + length, kUdpField, sizeof kUdpField - 1), length += sizeof kUdpField - 1;
    }
#endif
  }
  return length;
}

void ClientCore::startLogin(uint32_t now) {
  msgId_ = 0;
  loginId_ = nextMsgId();
  state_ = State::LoggingIn;
  stateSince_ = now;
  lastRx_ = now;
  // The queue is empty here (drop() cleared it), so the LOGIN goes right behind its header.
  size_t length = loginLength(token_);
  if (length == 0) {
    drop(Error::PayloadTooLarge);  // the device description does not fit HYPERTCP_TX_BUFFER_SIZE
    return;
  }
  commit(Command::Login, loginId_, static_cast<uint16_t>(length));
}

void ClientCore::checkTimers(uint32_t now) {
  if (state_ == State::LoggingIn) {
    if (now - stateSince_ >= HYPERTCP_LOGIN_TIMEOUT_MS) drop(Error::LoginTimeout);
    return;
  }
  if (pingOutstanding_) {
    if (rxSincePing_) {
      pingOutstanding_ = false;  // any frame counts as life; a late reply still measures RTT
    } else if (now - pingSentAt_ >= pingTimeoutMs_) {
      drop(Error::KeepaliveTimeout);
      return;
    }
  }
  if (!pingOutstanding_ && now - lastRx_ >= keepaliveMs_) {
    pingId_ = nextMsgId();
    pingSentAt_ = now;
    pingOutstanding_ = true;  // even if the queue is full: a stuck socket must time out too
    rxSincePing_ = false;
    sendEmpty(Command::Ping, pingId_);
  }
}

uint32_t ClientCore::nextBackoff() {
  // Capped exponential backoff with "equal jitter": a random delay in [d/2, d].
  uint32_t delay = HYPERTCP_RECONNECT_MIN_MS;
  for (uint8_t i = 0; i < failures_ && delay < HYPERTCP_RECONNECT_MAX_MS; i++) delay *= 2;
  if (delay > HYPERTCP_RECONNECT_MAX_MS) delay = HYPERTCP_RECONNECT_MAX_MS;
  if (failures_ < 255) failures_++;
  return delay / 2 + random_.upTo(delay / 2);
}

void ClientCore::drop(Error reason, bool immediate) {
  bool wasOnline = state_ == State::Online;
  // Only a session that lasted resets the backoff. One the broker ends right after the login
  // (two boards sharing a token replace each other) counts as a failed attempt, so such a pair
  // backs off instead of reconnecting every second forever.
  if (wasOnline && clock_() - stateSince_ >= kStableSessionMs) failures_ = 0;
  ioClose();
  decoder_.reset();
  txStart_ = txEnd_ = 0;
  pingOutstanding_ = false;
  pingId_ = 0;  // msg ids restart with the next login: an unanswered ping's id is reused there
  epoch_++;
  lastError_ = reason;
  stateSince_ = clock_();
  if (wasOnline) disconnectReason_ = reason;
  if (reason == Error::Stopped) {
    state_ = State::Idle;
  } else {
    if (!wasOnline) {
      count(stats_.failedAttempts);
#if HYPERTCP_ENABLE_REDIRECT
      if (redirectActive_ && ++redirectFailures_ >= HYPERTCP_REDIRECT_MAX_FAILURES) {
        // Back to the broker we were configured with, at once: the failures were somewhere else.
        redirectActive_ = false;
        redirectFailures_ = 0;
        failures_ = 0;
        immediate = true;
        emit(EventType::Error, Error::RedirectFailed);
      }
#endif
    }
    waitMs_ = immediate ? 0 : nextBackoff();
    state_ = State::Waiting;
  }
#if HYPERTCP_ENABLE_UDP
  // Once offline: the UDP session's failed messages are told to a sketch that sees the client
  // disconnected, so a send from its callback is refused instead of queued on the closing socket.
  if (udp_) udp_->udpStop();
#endif
  if (reason == Error::Stopped && !wasOnline) return;
  emit(wasOnline ? EventType::Disconnected : EventType::Error, reason);
}

void ClientCore::emit(EventType type, Error error, uint16_t msgId, uint8_t status) {
  if (eventHandler_) {
    Event event = {type, error, msgId, status};
    eventHandler_(event, eventContext_);
  }
  switch (type) {
    case EventType::Connected: onConnected(); break;
    case EventType::Disconnected: onDisconnected(error); break;
    case EventType::Error: onError(error); break;
    case EventType::Ack: onAck(msgId, status); break;
    case EventType::Ping:
    case EventType::Redirect: break;
  }
}

#if defined(__AVR__)
void ClientCore::count(uint32_t& counter, uint32_t amount) { counter += amount; }
#endif

uint16_t ClientCore::nextMsgId() {
  if (++msgId_ == 0) msgId_ = 1;  // ids run 1..65535, never 0
  return msgId_;
}

uint16_t ClientCore::maxOutboundPayload() const {
  uint16_t limit = HYPERTCP_TX_BUFFER_SIZE - kHeaderSize;
  return login_.maxPayload != 0 && login_.maxPayload < limit ? login_.maxPayload : limit;
}

}  // namespace hypertcp
