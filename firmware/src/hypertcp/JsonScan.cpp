#include "JsonScan.h"

#include <string.h>

namespace hypertcp {
namespace json {
namespace {

const uint8_t* bytes(const char* text) { return reinterpret_cast<const uint8_t*>(text); }

size_t skipWs(const uint8_t* s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

bool isHex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

// Length of a valid UTF-8 sequence starting at s[i] (non-ASCII lead), or 0.
size_t utf8Length(const uint8_t* s, size_t n, size_t i) {
  uint8_t c = s[i];
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else return 0;
  if (i + len > n) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (size_t k = 2; k < len; k++)
    if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
  return len;
}

// s[i] is '"'. Returns the offset after the closing quote, or 0.
size_t scanString(const uint8_t* s, size_t n, size_t i) {
  i++;
  while (i < n) {
    uint8_t c = s[i];
    if (c == '"') return i + 1;
    if (c < 0x20) return 0;
    if (c == '\\') {
      if (i + 1 >= n) return 0;
      uint8_t e = s[i + 1];
      if (e == 'u') {
        if (i + 6 > n) return 0;
        for (size_t k = 2; k < 6; k++)
          if (!isHex(s[i + k])) return 0;
        i += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        i += 2;
      } else {
        return 0;
      }
    } else if (c < 0x80) {
      i++;
    } else {
      size_t len = utf8Length(s, n, i);
      if (len == 0) return 0;
      i += len;
    }
  }
  return 0;
}

size_t scanNumber(const uint8_t* s, size_t n, size_t i) {
  if (i < n && s[i] == '-') i++;
  if (i >= n || !isDigit(s[i])) return 0;
  if (s[i] == '0') i++;
  else
    while (i < n && isDigit(s[i])) i++;
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || !isDigit(s[i])) return 0;
    while (i < n && isDigit(s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !isDigit(s[i])) return 0;
    while (i < n && isDigit(s[i])) i++;
  }
  return i;
}

size_t scanLiteral(const uint8_t* s, size_t n, size_t i, const char* word) {
  size_t len = strlen(word);
  if (i + len > n || memcmp(s + i, word, len) != 0) return 0;
  return i + len;
}

bool isForbiddenKey(const uint8_t* s, size_t start, size_t end) {
  static const char kProto[] = "\"__proto__\"";
  return end - start == sizeof(kProto) - 1 && memcmp(s + start, kProto, end - start) == 0;
}

// Scans `"key" ws : ws` at s[i]. Returns the offset of the value, or 0.
size_t scanKey(const uint8_t* s, size_t n, size_t i, Check& why) {
  if (i >= n || s[i] != '"') return 0;
  size_t end = scanString(s, n, i);
  if (end == 0) return 0;
  if (isForbiddenKey(s, i, end)) {
    why = Check::ForbiddenKey;
    return 0;
  }
  i = skipWs(s, n, end);
  if (i >= n || s[i] != ':') return 0;
  return skipWs(s, n, i + 1);
}

}  // namespace

size_t scanValue(const char* text, size_t n, size_t i, uint8_t maxDepth, Check& why) {
  const uint8_t* s = bytes(text);
  uint32_t objectBits = 0;  // bit d set: container at depth d+1 is an object
  uint8_t depth = 0;
  why = Check::NotJson;
  for (;;) {
    // Here a value starts at s[i].
    if (i >= n) return 0;
    uint8_t c = s[i];
    if (c == '{' || c == '[') {
      if (depth >= maxDepth || depth >= 32) {
        why = Check::TooDeep;
        return 0;
      }
      bool isObject = c == '{';
      if (isObject) objectBits |= (1UL << depth);
      else objectBits &= ~(1UL << depth);
      depth++;
      i = skipWs(s, n, i + 1);
      if (i < n && s[i] == (isObject ? '}' : ']')) {
        depth--;
        i++;
      } else {
        if (isObject && (i = scanKey(s, n, i, why)) == 0) return 0;
        continue;
      }
    } else if (c == '"') {
      i = scanString(s, n, i);
    } else if (c == 't') {
      i = scanLiteral(s, n, i, "true");
    } else if (c == 'f') {
      i = scanLiteral(s, n, i, "false");
    } else if (c == 'n') {
      i = scanLiteral(s, n, i, "null");
    } else {
      i = scanNumber(s, n, i);
    }
    if (i == 0) return 0;
    // After a value: close containers or move to the next element.
    for (;;) {
      if (depth == 0) {
        why = Check::Ok;
        return i;
      }
      bool inObject = (objectBits >> (depth - 1)) & 1;
      i = skipWs(s, n, i);
      if (i >= n) return 0;
      if (s[i] == ',') {
        i = skipWs(s, n, i + 1);
        if (inObject && (i = scanKey(s, n, i, why)) == 0) return 0;
        break;
      }
      if (s[i] != (inObject ? '}' : ']')) return 0;
      depth--;
      i++;
    }
  }
}

Check validate(const char* text, size_t len, uint8_t maxDepth) {
  const uint8_t* s = bytes(text);
  size_t i = skipWs(s, len, 0);
  Check why;
  size_t end = scanValue(text, len, i, maxDepth, why);
  if (end == 0) return why;
  return skipWs(s, len, end) == len ? Check::Ok : Check::NotJson;
}

ObjectReader::ObjectReader(const char* text, size_t len, size_t pos, uint8_t maxDepth)
    : text_(text), len_(len), pos_(pos), maxDepth_(maxDepth), state_(0) {}

ObjectReader::Step ObjectReader::next(Span& key, Span& value, Check& why) {
  const uint8_t* s = bytes(text_);
  why = Check::NotJson;
  if (state_ == 3) return Fail;
  size_t i = skipWs(s, len_, pos_);
  if (state_ == 0) {
    if (i >= len_ || s[i] != '{' || maxDepth_ == 0) {
      state_ = 3;
      return Fail;
    }
    i = skipWs(s, len_, i + 1);
    if (i < len_ && s[i] == '}') {
      pos_ = i + 1;
      state_ = 3;
      why = Check::Ok;
      return End;
    }
  } else {
    if (i < len_ && s[i] == '}') {
      pos_ = i + 1;
      state_ = 3;
      why = Check::Ok;
      return End;
    }
    if (i >= len_ || s[i] != ',') {
      state_ = 3;
      return Fail;
    }
    i = skipWs(s, len_, i + 1);
  }
  state_ = 3;  // until this member is complete
  if (i >= len_ || s[i] != '"') return Fail;
  size_t keyEnd = scanString(s, len_, i);
  if (keyEnd == 0) return Fail;
  size_t start = scanKey(s, len_, i, why);
  if (start == 0) return Fail;
  size_t end = scanValue(text_, len_, start, static_cast<uint8_t>(maxDepth_ - 1), why);
  if (end == 0) return Fail;
  key.ptr = text_ + i;
  key.len = keyEnd - i;
  value.ptr = text_ + start;
  value.len = end - start;
  pos_ = end;
  state_ = 2;
  return Member;
}

bool keyIs(const Span& key, const char* word) {
  size_t n = strlen(word);
  return key.len == n + 2 && memcmp(key.ptr + 1, word, n) == 0;
}

bool find(const char* text, size_t len, const char* key, Span& out) {
  ObjectReader reader(text, len);
  Span k, v;
  Check why;
  while (reader.next(k, v, why) == ObjectReader::Member) {
    if (keyIs(k, key)) {
      out = v;
      return true;
    }
  }
  return false;
}

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

uint32_t hex4(const uint8_t* p) {
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) {
    uint8_t c = p[k];
    v = (v << 4) | static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}
}  // namespace

bool decodeString(const Span& token, char* out, size_t outSize) {
  const uint8_t* s = bytes(token.ptr);
  size_t n = token.len;
  if (outSize == 0 || n < 2 || s[0] != '"' || scanString(s, n, 0) != n) return false;
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
        cp = hex4(s + i);
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

bool getLong(const char* text, size_t len, const char* key, long& out) {
  Span span;
  if (!find(text, len, key, span)) return false;
  const char* p = span.ptr;
  const char* end = span.ptr + span.len;
  bool negative = p < end && *p == '-';
  if (negative) p++;
  if (p == end) return false;
  unsigned long value = 0;
  const unsigned long limit = static_cast<unsigned long>(__LONG_MAX__) + 1;  // |LONG_MIN|
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') return false;  // integers only
    unsigned long digit = static_cast<unsigned long>(*p - '0');
    if (value > (limit - digit) / 10) return false;
    value = value * 10 + digit;
  }
  if (!negative && value > static_cast<unsigned long>(__LONG_MAX__)) return false;
  out = negative ? static_cast<long>(0 - value) : static_cast<long>(value);
  return true;
}

}  // namespace json
}  // namespace hypertcp
