#include "JsonScan.h"

#include <string.h>

#include "Config.h"
#include "Flash.h"

namespace hypertcp {
namespace json {
namespace {

const uint8_t* bytes(const char* text) { return reinterpret_cast<const uint8_t*>(text); }

size_t skipWs(const uint8_t* s, size_t n, size_t i) { return skipSpace(reinterpret_cast<const char*>(s), n, i); }

bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

#if HYPERTCP_STRICT_JSON
bool isHex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

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
  for (size_t k = 1; k < len; k++, lo = 0x80, hi = 0xBF)  // the second byte's range, then 80..BF
    if (s[i + k] < lo || s[i + k] > hi) return 0;
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

// One or more digits at s[i]: the offset after them, or 0.
size_t digits(const uint8_t* s, size_t n, size_t i) {
  size_t start = i;
  while (i < n && isDigit(s[i])) i++;
  return i == start ? 0 : i;
}

size_t scanNumber(const uint8_t* s, size_t n, size_t i) {
  if (s[i] == '-') i++;  // s[i] exists: the caller saw it
  size_t end = digits(s, n, i);
  if (end == 0) return 0;
  if (s[i] == '0') end = i + 1;  // no leading zeros: what follows "0" is left to the caller
  i = end;
  if (i < n && s[i] == '.' && (i = digits(s, n, i + 1)) == 0) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    i = digits(s, n, i);
  }
  return i;
}

struct Literals {
  char t[5], f[6], n[5];
};
const Literals kLiterals HYPERTCP_FLASH = {"true", "false", "null"};

// s[i] is 't', 'f' or 'n'.
size_t scanLiteral(const uint8_t* s, size_t n, size_t i) {
  const char* word = s[i] == 't' ? kLiterals.t : s[i] == 'f' ? kLiterals.f : kLiterals.n;
  size_t len = s[i] == 'f' ? sizeof kLiterals.f - 1 : sizeof kLiterals.t - 1;  // null is as long as true
  if (i + len > n || !flashEquals(reinterpret_cast<const char*>(s + i), word, len)) return 0;
  return i + len;
}
#else
// Structure only (HYPERTCP_STRICT_JSON 0): strings end at the first unescaped quote and hold no
// control characters; escapes, UTF-8, number and literal spelling are left to the consumer.
size_t scanString(const uint8_t* s, size_t n, size_t i) {
  for (i++; i < n; i++) {
    if (s[i] == '"') return i + 1;
    if (s[i] < 0x20) return 0;
    if (s[i] == '\\') i++;
  }
  return 0;
}

// A run of number characters: a digit, or '-' and a digit, first.
size_t scanNumber(const uint8_t* s, size_t n, size_t i) {
  if (s[i] == '-') i++;
  if (i >= n || !isDigit(s[i])) return 0;
  for (i++; i < n && (isDigit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-'); i++) {
  }
  return i;
}

// true, false, null: a run of lowercase letters starting with the right one.
size_t scanLiteral(const uint8_t* s, size_t n, size_t i) {
  for (i++; i < n && s[i] >= 'a' && s[i] <= 'z'; i++) {
  }
  return i;
}
#endif


// A key's text as the broker's (JavaScript) strings hold it: UTF-16 units, escapes and UTF-8
// decoded, so "\u00e9", "\u00E9" and the bytes C3 A9 read the same, and a 4-byte character the
// same as its escaped surrogate pair. Keys compare this way for "__proto__" and for repeats
// (PROTOCOL 5.1). Malformed text (only the structural scanner lets it through) reads as something,
// never past the closing quote.
class KeyText {
 public:
  // The key's text from s[i] to its closing quote s[end].
  KeyText(const uint8_t* s, size_t i, size_t end) : s_(s), i_(i), end_(end), low_(0) {}
  bool done() const { return i_ >= end_ && low_ == 0; }
  uint16_t next() {
    uint16_t unit = low_;
    if (unit != 0) {
      low_ = 0;
      return unit;
    }
    uint8_t c = s_[i_++];
    if (c == '\\' && i_ < end_) {
      uint8_t e = s_[i_++];
      if (e != 'u' || end_ - i_ < 4) return e == 'b' ? 8 : e == 'f' ? 12 : e == 'n' ? 10 : e == 'r' ? 13 : e == 't' ? 9 : e;
      for (uint8_t k = 0; k < 4; k++) {
        uint8_t h = s_[i_++];
        unit = static_cast<uint16_t>(unit << 4 | ((h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10) & 15));
      }
      return unit;
    }
    if (c < 0xC0) return c;
    uint8_t more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    uint32_t cp = c & (0x3F >> more);
    for (; more > 0 && i_ < end_; more--) cp = cp << 6 | (s_[i_++] & 0x3F);
    if (cp < 0x10000) return static_cast<uint16_t>(cp);
    low_ = static_cast<uint16_t>(0xDC00 | (cp & 0x3FF));
    return static_cast<uint16_t>(0xD800 + ((cp - 0x10000) >> 10));
  }

 private:
  const uint8_t* s_;
  size_t i_, end_;
  uint16_t low_;
};

// True when the key token s[start..end) decodes to __proto__, escapes included: "\u005f_proto__"
// is that key to every JSON library, and the broker refuses it too (shared/protocol/json-scan.ts).
bool isForbiddenKey(const uint8_t* s, size_t start, size_t end) {
  static const char kProto[] HYPERTCP_FLASH = "__proto__";
  if (end - start < 11 || (s[start + 1] != '_' && s[start + 1] != '\\')) return false;  // most keys, at once
  KeyText key(s, start + 1, end - 1);
  for (uint8_t k = 0; k < sizeof kProto - 1; k++)
    if (key.done() || key.next() != flashByte(kProto + k)) return false;
  return key.done();
}

// Whether the key tokens s[a..aEnd) and s[b..bEnd) (quotes included) decode to the same text.
bool sameKey(const uint8_t* s, size_t a, size_t aEnd, size_t b, size_t bEnd) {
  // Plain ASCII (most keys) compares as bytes, and the first difference in it decides.
  for (a++, b++; s[a] == s[b] && s[a] != '"' && s[a] != '\\' && s[a] < 0x80; a++, b++) {
  }
  if (s[a] != '\\' && s[a] < 0x80 && s[b] != '\\' && s[b] < 0x80) return s[a] == s[b];  // both may end here
  KeyText x(s, a, aEnd - 1), y(s, b, bEnd - 1);
  while (!x.done() && !y.done())
    if (x.next() != y.next()) return false;
  return x.done() && y.done();
}

// s[end] closes a string: the offset of its opening quote, the nearest quote before it that an
// even run of backslashes precedes (an odd run escapes it).
size_t openingQuote(const uint8_t* s, size_t end) {
  for (size_t i = end;;) {
    while (s[--i] != '"') {
    }
    size_t run = 0;
    while (s[i - 1 - run] == '\\') run++;
    if (run % 2 == 0) return i;
  }
}

// True when an earlier key of the object that the key token s[key..keyEnd) is in decodes to the
// same text (PROTOCOL 5.1: readers disagree on which of two counts). Walks back from the key to the
// object's '{' over text already scanned, so it keeps no state: no table of keys, no limit on
// their number. The price is time: the object's bytes before the key, for every key.
bool repeatsKey(const uint8_t* s, size_t key, size_t keyEnd) {
  uint8_t depth = 0;         // containers entered on the way back
  bool beforeColon = false;  // the byte after this one (whitespace aside) is ':': a key ends here
  for (size_t i = key;;) {
    uint8_t c = s[--i];
    if (c == '"') {
      size_t end = i + 1;
      i = openingQuote(s, i);
      if (depth == 0 && beforeColon && sameKey(s, i, end, key, keyEnd)) return true;
    } else if (c == '}' || c == ']') {
      depth++;
    } else if (c == '{' || c == '[') {
      if (depth == 0) return false;  // the object's own brace
      depth--;
    }
    if (c > ' ') beforeColon = c == ':';
  }
}

// Scans `"key" ws : ws` at s[i]. Returns the offset of the value, or 0; end = after the key (0 when
// it is no string).
size_t scanKey(const uint8_t* s, size_t n, size_t i, Check& why, size_t& end) {
  end = 0;
  if (i >= n || s[i] != '"') return 0;
  end = scanString(s, n, i);
  if (end == 0) return 0;
  if (isForbiddenKey(s, i, end)) {
    why = Check::ForbiddenKey;
    return 0;
  }
  if (repeatsKey(s, i, end)) {
    why = Check::DuplicateKey;
    return 0;
  }
  i = skipWs(s, n, end);
  if (i >= n || s[i] != ':') return 0;
  return skipWs(s, n, i + 1);
}

}  // namespace

size_t scanValue(const char* text, size_t n, size_t i, uint8_t maxDepth, Check& why, MemberFn onMember,
                 void* context) {
  const uint8_t* s = bytes(text);
  uint32_t objectBits = 0;  // a stack of container kinds, innermost in bit 0 (1: object)
  uint8_t depth = 0;
  bool wantKey = false;
  Span key = {text, 0}, value = {text, 0};  // the outermost object's current member
  why = Check::NotJson;
  for (;;) {
    if (wantKey) {
      size_t start = i, keyEnd;
      if ((i = scanKey(s, n, i, why, keyEnd)) == 0) return 0;
      if (depth == 1) {
        key.ptr = text + start;
        key.len = keyEnd - start;
        value.ptr = text + i;
      }
    }
    // Here a value starts at s[i].
    if (i >= n) return 0;
    uint8_t c = s[i];
    if (c == '{' || c == '[') {
      if (depth >= maxDepth || depth >= 32) {
        why = Check::TooDeep;
        return 0;
      }
      bool isObject = c == '{';
      objectBits = objectBits << 1 | isObject;  // push
      depth++;
      i = skipWs(s, n, i + 1);
      if (i < n && s[i] == (isObject ? '}' : ']')) {
        depth--;
        objectBits >>= 1;  // pop
        i++;
      } else {
        wantKey = isObject;
        continue;
      }
    } else if (c == '"') {
      i = scanString(s, n, i);
    } else if (c == 't' || c == 'f' || c == 'n') {
      i = scanLiteral(s, n, i);
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
      bool inObject = objectBits & 1;
      if (depth == 1 && inObject && onMember) {
        value.len = i - static_cast<size_t>(value.ptr - text);
        onMember(key, value, context);
      }
      i = skipWs(s, n, i);
      if (i >= n) return 0;
      if (s[i] == ',') {
        i = skipWs(s, n, i + 1);
        wantKey = inObject;
        break;
      }
      if (s[i] != (inObject ? '}' : ']')) return 0;
      depth--;
      objectBits >>= 1;  // pop
      i++;
    }
  }
}

size_t skipSpace(const char* text, size_t len, size_t pos) {
  while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
  return pos;
}

Check validate(const char* text, size_t len, uint8_t maxDepth) { return validate(text, len, maxDepth, nullptr, nullptr); }

Check validate(const char* text, size_t len, uint8_t maxDepth, MemberFn onMember, void* context) {
  Check why;
  size_t end = scanValue(text, len, skipSpace(text, len, 0), maxDepth, why, onMember, context);
  if (end == 0) return why;
  return skipSpace(text, len, end) == len ? Check::Ok : Check::NotJson;
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
  size_t keyEnd;
  size_t start = scanKey(s, len_, i, why, keyEnd);
  if (start != 0 || why == Check::DuplicateKey) {
    key.ptr = text_ + i;
    key.len = keyEnd - i;
  }
  if (start == 0) return Fail;
  size_t end = scanValue(text_, len_, start, static_cast<uint8_t>(maxDepth_ - 1), why);
  if (end == 0) return Fail;
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
  Span k, v, found = {nullptr, 0};
  Check why;
  ObjectReader::Step step;
  while ((step = reader.next(k, v, why)) == ObjectReader::Member) {
    if (found.ptr == nullptr && keyIs(k, key)) found = v;
  }
  // Read to the end: a later member could repeat the key and mean something else to another reader.
  if (step != ObjectReader::End || found.ptr == nullptr) return false;
  out = found;
  return true;
}

}  // namespace json
}  // namespace hypertcp
