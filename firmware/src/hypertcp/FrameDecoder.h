// Incremental frame decoder over a caller-owned fixed buffer. Bytes arrive in chunks of any size;
// feed() stops after each result so the caller can act on one frame at a time. A frame whose
// declared length exceeds the buffer, or whose type is unknown, is reported from its header alone
// and then skipped whole, so the stream never loses sync.
#ifndef HYPERTCP_FRAME_DECODER_H
#define HYPERTCP_FRAME_DECODER_H

#include <stddef.h>
#include <stdint.h>

namespace hypertcp {

struct FrameHeader {
  uint8_t type;
  uint16_t msgId;
  uint16_t length;
};

// Writes the 5-byte big-endian header into out[0..4].
void encodeHeader(uint8_t* out, uint8_t type, uint16_t msgId, uint16_t length);

class FrameDecoder {
 public:
  enum Result : uint8_t {
    NeedMore,     // all given bytes consumed, no result yet
    Frame,        // header() and payload() describe a complete frame
    TooLarge,     // header() declares more than capacity bytes; the body will be skipped
    UnknownType,  // header() has an unknown type; the body will be skipped
  };

  FrameDecoder(uint8_t* buffer, uint16_t capacity);

  // Consumes bytes until one result is complete (or the input ends). Returns bytes consumed.
  size_t feed(const uint8_t* data, size_t length, Result& result);
  void reset();

  const FrameHeader& header() const { return header_; }
  const uint8_t* payload() const { return buffer_; }
  uint16_t capacity() const { return capacity_; }
  // True between frames: no partial header, body or skip pending.
  bool idle() const { return phase_ == ReadingHeader && have_ == 0; }

 private:
  enum Phase : uint8_t { ReadingHeader, ReadingBody, Skipping };

  Result finishHeader();

  uint8_t* buffer_;
  uint16_t capacity_;
  Phase phase_;
  uint8_t headerBytes_[5];
  uint16_t have_;  // bytes of the current part (header, body kept or skipped) so far
  FrameHeader header_;
};

}  // namespace hypertcp

#endif
