// The one envelope shape the native fast path routes: {"targetId":"<id>","payload":<object>}
// exactly, no whitespace outside the payload, the id 1-64 bytes of A-Z a-z 0-9 _ . : - (never
// escaped). Anything else is left to the TypeScript broker, which has the full rules.
#ifndef HYPERTCP_NATIVE_FAST_ENVELOPE_H
#define HYPERTCP_NATIVE_FAST_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

namespace native {

struct FastEnvelope {
  size_t idStart, idEnd;            // the target id, without quotes
  size_t payloadStart, payloadEnd;  // the payload object
};

// True when body[0..n) is the fast shape with a strictly valid payload object (the firmware's
// scanner: UTF-8, escapes, numbers, depth 31 below the envelope, no "__proto__", no repeated key).
bool matchFastEnvelope(const uint8_t* body, size_t n, FastEnvelope& out);

}  // namespace native

#endif
