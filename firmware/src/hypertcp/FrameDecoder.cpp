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

FrameDecoder::FrameDecoder(uint8_t* buffer, uint16_t capacity)
    : buffer_(buffer), capacity_(capacity), phase_(ReadingHeader), have_(0), header_() {}

// header() describes the last result only, so it is left as it is.
void FrameDecoder::reset() {
  phase_ = ReadingHeader;
  have_ = 0;
}

FrameDecoder::Result FrameDecoder::finishHeader() {
  header_.type = headerBytes_[0];
  header_.msgId = static_cast<uint16_t>((headerBytes_[1] << 8) | headerBytes_[2]);
  header_.length = static_cast<uint16_t>((headerBytes_[3] << 8) | headerBytes_[4]);
  Result result = !isKnownCommand(header_.type) ? UnknownType : header_.length > capacity_ ? TooLarge : Frame;
  if (header_.length == 0) return result;  // nothing follows: the phase stays ReadingHeader
  phase_ = result == Frame ? ReadingBody : Skipping;
  return result == Frame ? NeedMore : result;
}

size_t FrameDecoder::feed(const uint8_t* data, size_t length, Result& result) {
  size_t used = 0;
  result = NeedMore;
  while (used < length) {
    // One loop for the three parts of a frame: the header, the body kept, or the body skipped.
    size_t want = phase_ == ReadingHeader ? kHeaderSize : header_.length;
    size_t take = want - have_;
    if (take > length - used) take = length - used;
    if (phase_ != Skipping) memcpy((phase_ == ReadingHeader ? headerBytes_ : buffer_) + have_, data + used, take);
    have_ = static_cast<uint16_t>(have_ + take);
    used += take;
    if (have_ < want) break;
    have_ = 0;
    if (phase_ == ReadingHeader) {
      result = finishHeader();
    } else {
      if (phase_ == ReadingBody) result = Frame;
      phase_ = ReadingHeader;
    }
    if (result != NeedMore) break;
  }
  return used;
}

}  // namespace hypertcp
