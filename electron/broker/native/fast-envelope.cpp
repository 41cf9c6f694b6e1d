#include "fast-envelope.h"

#include <string.h>

#include "../../../firmware/src/hypertcp/JsonScan.h"

namespace native {
namespace {

constexpr char kHead[] = "{\"targetId\":\"";
constexpr size_t kHeadSize = sizeof kHead - 1;
constexpr char kMiddle[] = "\",\"payload\":";
constexpr size_t kMiddleSize = sizeof kMiddle - 1;
constexpr size_t kMaxIdLength = 64;
// Containers open at once counting the envelope (shared/protocol/json-scan.ts MAX_JSON_DEPTH):
// the payload may use one fewer.
constexpr uint8_t kPayloadDepth = 31;

bool isIdByte(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

}  // namespace

bool matchFastEnvelope(const uint8_t* body, size_t n, FastEnvelope& out) {
  if (n < kHeadSize + 1 + kMiddleSize + 3 || memcmp(body, kHead, kHeadSize) != 0) return false;
  size_t i = kHeadSize;
  while (i < n && i - kHeadSize <= kMaxIdLength && isIdByte(body[i])) i++;
  const size_t idLength = i - kHeadSize;
  if (idLength < 1 || idLength > kMaxIdLength) return false;
  if (n - i < kMiddleSize + 3 || memcmp(body + i, kMiddle, kMiddleSize) != 0) return false;
  const size_t payloadStart = i + kMiddleSize;
  if (body[payloadStart] != '{' || body[n - 1] != '}') return false;
  hypertcp::json::Check why;
  const char* text = reinterpret_cast<const char*>(body);
  // Scanned up to the envelope's closing brace only: the payload must end exactly there.
  const size_t end = hypertcp::json::scanValue(text, n - 1, payloadStart, kPayloadDepth, why);
  if (end == 0 || why != hypertcp::json::Check::Ok || end != n - 1) return false;
  out = FastEnvelope{kHeadSize, kHeadSize + idLength, payloadStart, end};
  return true;
}

}  // namespace native
