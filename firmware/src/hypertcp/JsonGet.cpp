// Typed lookups and string decoding on top of the scanner (JsonScan.cpp). Kept apart: a sketch
// that never calls them does not link them.
#include <string.h>

#include "JsonScan.h"

namespace hypertcp {
namespace json {

namespace {
// Appends code point cp as UTF-8; false if it does not fit (one byte stays for the NUL).
bool putUtf8(uint32_t cp, char* out, size_t outSize, size_t& o) {
  uint8_t buf[4];
  size_t len;
  if (cp < 0x80) {
    buf[0] = static_cast<uint8_t>(cp);
    len = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    buf[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    buf[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    buf[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
    buf[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    len = 4;
  }
  if (o + len >= outSize) return false;
  memcpy(out + o, buf, len);
  o += len;
  return true;
}

const uint32_t kBadHex = 0x110000;  // above every code point

// Four hex digits; kBadHex if one is not (the structural scanner lets such escapes through).
uint32_t hex4(const uint8_t* p) {
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) {
    uint8_t c = p[k], lower = c | 0x20;
    uint32_t digit = c >= '0' && c <= '9' ? c - '0' : lower >= 'a' && lower <= 'f' ? lower - 'a' + 10u : 16u;
    if (digit > 15) return kBadHex;
    v = (v << 4) | digit;
  }
  return v;
}
}  // namespace

bool decodeString(const Span& token, char* out, size_t outSize) {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(token.ptr);
  size_t n = token.len;
  Check why;
  if (outSize == 0 || n < 2 || s[0] != '"' || scanValue(token.ptr, n, 0, 1, why) != n) return false;
  size_t o = 0;
  for (size_t i = 1; i + 1 < n;) {
    uint32_t cp;
    if (s[i] != '\\') {
      if (o + 1 >= outSize) return false;
      out[o++] = static_cast<char>(s[i++]);
      continue;
    }
    uint8_t e = s[i + 1];
    i += 2;
    switch (e) {
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u':
        // Checked here too: with HYPERTCP_STRICT_JSON=0 the scanner has not vouched for them.
        if (i + 4 >= n || (cp = hex4(s + i)) == kBadHex) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n && s[i] == '\\' && s[i + 1] == 'u') {
          uint32_t low = hex4(s + i + 2);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogate
        break;
      default: cp = e; break;  // " \ /
    }
    if (!putUtf8(cp, out, outSize, o)) return false;
  }
  out[o] = '\0';
  return true;
}

bool getString(const char* text, size_t len, const char* key, char* out, size_t outSize) {
  Span span;
  return find(text, len, key, span) && decodeString(span, out, outSize);
}

bool getBool(const char* text, size_t len, const char* key, bool& out) {
  Span span;
  if (!find(text, len, key, span)) return false;
  if (span.len == 4 && memcmp(span.ptr, "true", 4) == 0) out = true;
  else if (span.len == 5 && memcmp(span.ptr, "false", 5) == 0) out = false;
  else return false;
  return true;
}

bool toLong(const Span& value, long& out) {
  const char* p = value.ptr;
  const char* end = value.ptr + value.len;
  bool negative = p < end && *p == '-';
  if (negative) p++;
  if (p == end) return false;
  unsigned long magnitude = 0;
  const unsigned long limit = static_cast<unsigned long>(__LONG_MAX__) + 1;  // |LONG_MIN|
  for (; p < end; p++) {
    uint8_t digit = static_cast<uint8_t>(*p - '0');
    if (digit > 9) return false;  // integers only
    // Constant bounds, no run-time division: magnitude * 10 + 9 cannot wrap after the first
    // test, and anything above |LONG_MIN| fails at once.
    if (magnitude > limit / 10) return false;
    magnitude = magnitude * 10 + digit;
    if (magnitude > limit) return false;
  }
  if (!negative && magnitude > static_cast<unsigned long>(__LONG_MAX__)) return false;
  out = negative ? static_cast<long>(0 - magnitude) : static_cast<long>(magnitude);
  return true;
}

bool getLong(const char* text, size_t len, const char* key, long& out) {
  Span span;
  return find(text, len, key, span) && toLong(span, out);
}

}  // namespace json
}  // namespace hypertcp
