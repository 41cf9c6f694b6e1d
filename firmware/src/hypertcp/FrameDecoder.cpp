#include "FrameDecoder.h"

#include <string.h>

#include "Protocol.h"

namespace hypertcp {

void encodeHeader(uint8_t* out, uint8_t type, uint16_t msgId, uint16_t length) {
  out[0] = type;
  out[1] = static_cast<uint8_t>(msgId >> 8);
  out[2] = static_cast<uint8_t>(msgId & 0xFF);
  out[3] = static_cast<uint8_t>(length >> 8);
  out[4] = static_cast<uint8_t>(length & 0xFF);
}

FrameDecoder::FrameDecoder(uint8_t* buffer, uint16_t capacity) : buffer_(buffer), capacity_(capacity) {
  reset();
}

void FrameDecoder::reset() {
  phase_ = ReadingHeader;
  have_ = 0;
  skipLeft_ = 0;
  header_.type = 0;
  header_.msgId = 0;
  header_.length = 0;
}

FrameDecoder::Result FrameDecoder::finishHeader() {
  header_.type = headerBytes_[0];
  header_.msgId = static_cast<uint16_t>((headerBytes_[1] << 8) | headerBytes_[2]);
  header_.length = static_cast<uint16_t>((headerBytes_[3] << 8) | headerBytes_[4]);
  have_ = 0;
  Result result = NeedMore;
  if (!isKnownCommand(header_.type)) result = UnknownType;
  else if (header_.length > capacity_) result = TooLarge;
  if (result != NeedMore) {
    skipLeft_ = header_.length;
    phase_ = skipLeft_ > 0 ? Skipping : ReadingHeader;
    return result;
  }
  if (header_.length == 0) return Frame;  // phase stays ReadingHeader
  phase_ = ReadingBody;
  return NeedMore;
}

size_t FrameDecoder::feed(const uint8_t* data, size_t length, Result& result) {
  size_t used = 0;
  result = NeedMore;
  while (used < length) {
    size_t left = length - used;
    if (phase_ == ReadingHeader) {
      size_t take = kHeaderSize - have_;
      if (take > left) take = left;
      memcpy(headerBytes_ + have_, data + used, take);
      have_ = static_cast<uint16_t>(have_ + take);
      used += take;
      if (have_ < kHeaderSize) break;
      result = finishHeader();
      if (result != NeedMore) return used;
    } else if (phase_ == ReadingBody) {
      size_t take = header_.length - have_;
      if (take > left) take = left;
      memcpy(buffer_ + have_, data + used, take);
      have_ = static_cast<uint16_t>(have_ + take);
      used += take;
      if (have_ == header_.length) {
        phase_ = ReadingHeader;
        have_ = 0;
        result = Frame;
        return used;
      }
    } else {
      size_t take = skipLeft_ < left ? skipLeft_ : left;
      skipLeft_ = static_cast<uint16_t>(skipLeft_ - take);
      used += take;
      if (skipLeft_ == 0) phase_ = ReadingHeader;
    }
  }
  return used;
}

}  // namespace hypertcp
