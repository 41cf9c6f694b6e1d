// Frames in and out: reading, dispatching, acking, delivering, and the bounded send queue.
#include <string.h>

#include "ClientCore.h"
#include "Envelope.h"

namespace hypertcp {

void ClientCore::receive(uint32_t now) {
  uint8_t epoch = epoch_;
  for (uint8_t reads = 0; reads < HYPERTCP_READS_PER_RUN; reads++) {
    uint8_t chunk[HYPERTCP_READ_CHUNK];
    int n = ioRead(chunk, sizeof chunk);
    if (n < 0) {
      drop(Error::ClosedByPeer);
      return;
    }
    if (n == 0) return;
    lastRx_ = now;
    rxSincePing_ = true;
    count(stats_.bytesIn, static_cast<uint32_t>(n));
    size_t used = 0;
    while (used < static_cast<size_t>(n)) {
      FrameDecoder::Result result;
      used += decoder_.feed(chunk + used, static_cast<size_t>(n) - used, result);
      if (result == FrameDecoder::NeedMore) continue;
      onDecoded(result, now);
      if (epoch != epoch_) return;  // a frame or a callback ended this connection
    }
    if (static_cast<size_t>(n) < sizeof chunk) return;  // drained for now
  }
}

void ClientCore::onDecoded(FrameDecoder::Result result, uint32_t now) {
  FrameHeader header = decoder_.header();
  if (result == FrameDecoder::Frame) {
    count(stats_.framesIn);
  } else {
    // Skipped whole by the decoder: report it, and still ack a message so the broker's
    // bookkeeping stays right.
    count(stats_.skippedFrames);
    bool isMessage = header.type == Command::JsonMessage || header.type == Command::Broadcast;
    if (isMessage && state_ == State::Online) sendEmpty(Command::Response, header.msgId);
    emit(EventType::Error, result == FrameDecoder::TooLarge ? Error::FrameTooLarge : Error::UnknownFrame, header.msgId);
    // Our login reply, too large to keep (a long id, a UDP grant, fields a newer broker adds): a
    // refusal is the status byte alone (PROTOCOL 3.2), so this is a success. Log in with the
    // defaults, as for a reply we cannot parse, rather than time out and send the LOGIN again.
    if (result != FrameDecoder::TooLarge || state_ != State::LoggingIn || header.type != Command::Response ||
        header.msgId != loginId_) {
      return;
    }
    rx_[0] = Status::Success;
    header.length = 1;
  }
  if (state_ == State::LoggingIn) handleLoginReply(header, now);
  else handleFrame(header, now);
}

void ClientCore::handleLoginReply(const FrameHeader& header, uint32_t now) {
  if (header.type == Command::Ping) {
    sendEmpty(Command::Response, header.msgId);
    return;
  }
  if (header.type != Command::Response || header.msgId != loginId_) return;  // not for us yet
  lastStatus_ = header.length > 0 ? rx_[0] : 0;
  if (lastStatus_ != Status::Success) {
    drop(lastStatus_ == Status::InvalidToken         ? Error::AuthFailed
         : lastStatus_ == Status::UnsupportedVersion ? Error::UnsupportedVersion
                                                     : Error::LoginRejected);
    return;
  }
  // A malformed reply leaves the defaults (no id, no limits): carry on with those.
  if (!parseLoginReply(reinterpret_cast<const char*>(rx_ + 1), header.length - 1u, login_)) invalidJson(header.msgId);
  uint32_t keepalive = keepaliveOverrideMs_;
  if (keepalive == 0) {
    // A live broker probes every session at least every kBrokerProbeMs (PROTOCOL 4), whatever
    // keepalive it announces (up to an hour): longer silence means it or the path is gone.
    keepalive = login_.keepaliveMs == 0 ? HYPERTCP_KEEPALIVE_MS
                : login_.keepaliveMs > kBrokerProbeMs ? kBrokerProbeMs
                                                      : login_.keepaliveMs;
  }
  uint32_t timeout = pingTimeoutOverrideMs_;
  if (timeout == 0) {
    timeout = HYPERTCP_PING_TIMEOUT_MS;
    if (timeout > keepalive) timeout = keepalive < 1000 ? 1000 : keepalive;  // a fast broker wants fast detection
  }
  keepaliveMs_ = keepalive;
  pingTimeoutMs_ = timeout;
  state_ = State::Online;
  stateSince_ = now;
  lastRx_ = now;  // failures_ is reset by drop() once the session has lasted
#if HYPERTCP_ENABLE_REDIRECT
  redirectFailures_ = 0;
#endif
  count(stats_.logins);
#if HYPERTCP_ENABLE_UDP
  if (udp_ && !legacy_) udp_->udpLogin(reinterpret_cast<const char*>(rx_ + 1), header.length - 1u, token_, host(), now);
#endif
  emit(EventType::Connected, Error::None);
}

void ClientCore::handleFrame(const FrameHeader& header, uint32_t now) {
  switch (header.type) {
    case Command::Response:
      if (header.msgId == pingId_ && pingId_ != 0) {
        rttMs_ = now - pingSentAt_;
        pingId_ = 0;
        return;
      }
      emit(EventType::Ack, Error::None, header.msgId, header.length > 0 ? rx_[0] : Status::Success);
      return;
    case Command::Ping:
      sendEmpty(Command::Response, header.msgId);
      emit(EventType::Ping, Error::None, header.msgId);
      return;
    case Command::JsonMessage:
    case Command::Broadcast: {
      uint8_t epoch = epoch_;
      sendEmpty(Command::Response, header.msgId);
#if HYPERTCP_ENABLE_UDP
      if (epoch == epoch_) deliver(header, reinterpret_cast<char*>(rx_));
#else
      if (epoch == epoch_) deliver(header);
#endif
      return;
    }
    case Command::Redirect:
#if HYPERTCP_ENABLE_REDIRECT
      handleRedirect(header);
#else
      count(stats_.skippedFrames);
      emit(EventType::Error, Error::UnknownFrame, header.msgId);  // built without redirect support
#endif
      return;
    default:
      return;  // LOGIN from a broker means nothing to us
  }
}

#if HYPERTCP_ENABLE_UDP
void ClientCore::deliver(const FrameHeader& header, char* text) {
#else
void ClientCore::deliver(const FrameHeader& header) {
  char* text = reinterpret_cast<char*>(rx_);
#endif
  Delivered envelope;
  if (!parseDelivered(text, header.length, envelope)) {
    invalidJson(header.msgId);
    return;
  }
  count(stats_.messagesIn);
  // The payload object is followed by at least the envelope's '}', so this stays in the frame.
  text[envelope.payload.ptr - text + envelope.payload.len] = '\0';
  bool broadcast = header.type == Command::Broadcast;
  Message message = {envelope.from, envelope.payload.ptr, static_cast<uint16_t>(envelope.payload.len), header.msgId,
                     broadcast};
  uint8_t epoch = epoch_;
  MessageHandler handler = messageHandlers_[broadcast];
  if (handler) handler(message, messageContexts_[broadcast]);
  if (epoch != epoch_) return;
  if (broadcast) onBroadcastMessage(message.from, message.payload, message.length);
  else onMessageReceived(message.from, message.payload, message.length);
}

#if HYPERTCP_ENABLE_REDIRECT
void ClientCore::handleRedirect(const FrameHeader& header) {
  // Straight into the redirect target: parseRedirect writes host and port only on success.
  if (!parseRedirect(reinterpret_cast<const char*>(rx_), header.length, redirectHost_, sizeof redirectHost_,
                     redirectPort_)) {
    invalidJson(header.msgId);
    return;
  }
  redirectActive_ = true;
  redirectFailures_ = 0;
  count(stats_.redirects);
  emit(EventType::Redirect, Error::None, header.msgId);
  drop(Error::Redirected, true);  // reconnect at once, same token
}
#endif

uint16_t ClientCore::sendMessage(const char* targetId, const char* json) {
  return sendMessage(targetId, json, json ? strlen(json) : 0);
}

uint16_t ClientCore::sendMessage(const char* targetId, const char* json, size_t length) {
  return sendEnvelope(Command::JsonMessage, targetId, json, length);
}

uint16_t ClientCore::broadcastMessage(const char* json) { return broadcastMessage(json, json ? strlen(json) : 0); }

uint16_t ClientCore::broadcastMessage(const char* json, size_t length) {
  return sendEnvelope(Command::Broadcast, "broadcast", json, length);
}

uint16_t ClientCore::sendEnvelope(uint8_t type, const char* target, const char* json, size_t length) {
  Error error = Error::None;
  size_t targetLength = target ? strlen(target) : 0;
  size_t envelope = envelopeLength(targetLength, length);
  if (state_ != State::Online) error = Error::NotConnected;
  else if (!isValidId(target, targetLength)) error = Error::BadTarget;
  else if (json == nullptr || checkPayload(json, length) != Error::None) error = Error::InvalidPayload;
  else if (envelope > maxOutboundPayload()) error = Error::PayloadTooLarge;
  else if (!makeRoom(kHeaderSize + envelope)) error = Error::TxBufferFull;
  if (error != Error::None) {
    lastError_ = error;
    return 0;
  }
  uint16_t id = nextMsgId();
  putEnvelope(reinterpret_cast<char*>(tx_ + txEnd_ + kHeaderSize), target, targetLength, json, length);
  uint8_t epoch = epoch_;
  commit(type, id, static_cast<uint16_t>(envelope));
  return epoch == epoch_ ? id : 0;  // 0: the connection broke while writing
}

char* ClientCore::reserveEnvelope(const char* target, size_t length) {
  Error error = Error::None;
  size_t targetLength = target ? strlen(target) : 0;
  size_t envelope = envelopeLength(targetLength, length);
  if (state_ != State::Online) error = Error::NotConnected;
  else if (!isValidId(target, targetLength)) error = Error::BadTarget;
  else if (length == 0) error = Error::InvalidPayload;
  else if (envelope > maxOutboundPayload()) error = Error::PayloadTooLarge;
  else if (!makeRoom(kHeaderSize + envelope)) error = Error::TxBufferFull;
  if (error != Error::None) {
    lastError_ = error;
    return nullptr;
  }
  // The envelope around an empty payload; the payload goes where its closing brace is now.
  char* body = reinterpret_cast<char*>(tx_ + txEnd_ + kHeaderSize);
  putEnvelope(body, target, targetLength, "", 0);
  return body + envelopeLength(targetLength, 0) - 1;
}

uint16_t ClientCore::commitEnvelope(uint8_t type, const char* target, size_t length, size_t written) {
  size_t targetLength = strlen(target);
  char* payload = reinterpret_cast<char*>(tx_ + txEnd_ + kHeaderSize) + envelopeLength(targetLength, 0) - 1;
  if (written != length || checkPayload(payload, length) != Error::None) {
    lastError_ = Error::InvalidPayload;  // the reserved bytes are simply not queued
    return 0;
  }
  payload[length] = '}';
  uint16_t id = nextMsgId();
  uint8_t epoch = epoch_;
  commit(type, id, static_cast<uint16_t>(envelopeLength(targetLength, length)));
  return epoch == epoch_ ? id : 0;
}

void ClientCore::commit(uint8_t type, uint16_t msgId, uint16_t length) {
  encodeHeader(tx_ + txEnd_, type, msgId, length);
  txEnd_ = static_cast<uint16_t>(txEnd_ + kHeaderSize + length);
  count(stats_.framesOut);
  flush();
}

void ClientCore::invalidJson(uint16_t msgId) {
  count(stats_.invalidJson);
  emit(EventType::Error, Error::InvalidJson, msgId);
}

void ClientCore::documentRefused(bool documentFull) {
  if (!documentFull) return invalidJson(0);
  count(stats_.jsonDocumentFull);
  emit(EventType::Error, Error::JsonDocumentFull);
}

void ClientCore::sendEmpty(uint8_t type, uint16_t msgId) {
  if (makeRoom(kHeaderSize)) commit(type, msgId, 0);
  else lastError_ = Error::TxBufferFull;
}

bool ClientCore::makeRoom(size_t bytes) {
  if (txEnd_ + bytes <= sizeof tx_) return true;
  if (txStart_ > 0) {  // slide the unsent bytes to the front
    memmove(tx_, tx_ + txStart_, txEnd_ - txStart_);
    txEnd_ = static_cast<uint16_t>(txEnd_ - txStart_);
    txStart_ = 0;
  }
  return txEnd_ + bytes <= sizeof tx_;
}

bool ClientCore::flush() {
  while (txStart_ < txEnd_) {
    int n = ioWrite(tx_ + txStart_, txEnd_ - txStart_);
    if (n < 0) {
      drop(Error::IoError);
      return false;
    }
    if (n == 0) break;
    txStart_ = static_cast<uint16_t>(txStart_ + n);
    count(stats_.bytesOut, static_cast<uint32_t>(n));
  }
  if (txStart_ == txEnd_) txStart_ = txEnd_ = 0;
  return true;
}

}  // namespace hypertcp
