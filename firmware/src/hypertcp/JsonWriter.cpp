#include "JsonWriter.h"

#include <string.h>

namespace hypertcp {

JsonWriter::JsonWriter(char* buffer, size_t capacity)
    : buffer_(buffer), capacity_(capacity), length_(0), depth_(0), ok_(capacity > 0) {
  if (ok_) buffer_[0] = '\0';
}

void JsonWriter::put(char c) {
  if (!ok_) return;
  if (length_ + 1 >= capacity_) {  // one byte stays for the NUL
    ok_ = false;
    buffer_[0] = '\0';
    return;
  }
  buffer_[length_++] = c;
  buffer_[length_] = '\0';
}

// Byte by byte through put(char): one overflow check for everything written (an overflow
// leaves an empty buffer and ok() false whatever was written before).
void JsonWriter::put(const char* text, size_t length, bool flash) {
  for (size_t i = 0; i < length; i++) put(flash ? static_cast<char>(flashByte(text + i)) : text[i]);
}

void JsonWriter::separator() {
  // A comma goes before every element but the first of a container and never after a key: the
  // last character written tells which (an element never ends in '{', '[' or ':').
  if (length_ == 0) return;
  char last = buffer_[length_ - 1];
  if (last != '{' && last != '[' && last != ':') put(',');
}

JsonWriter& JsonWriter::open(char bracket) {
  separator();
  put(bracket);
  if (++depth_ > 32) ok_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  put(bracket);
  if (depth_ > 0) depth_--;
  return *this;
}

JsonWriter& JsonWriter::string(const char* text, bool flash, bool isKey) {
  if (text == nullptr) null();
  else putString(text, flash);
  if (isKey) put(':');
  return *this;
}

namespace {
uint8_t byteAt(const char* p, bool flash) { return flash ? flashByte(p) : static_cast<uint8_t>(*p); }

// At a non-ASCII byte: the length of the well-formed UTF-8 sequence there (2..4), or, when there
// is none, minus the length of its maximal subpart (the bytes one U+FFFD replaces, as in the
// broker's TextDecoder): overlongs, surrogates, above U+10FFFF, truncation (the NUL too).
int utf8Sequence(const char* p, bool flash) {
  uint8_t c = byteAt(p, flash);
  if (c < 0xC2 || c > 0xF4) return -1;
  int len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  uint8_t lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;  // the second byte's range, then 80..BF
  uint8_t hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  for (int k = 1; k < len; k++, lo = 0x80, hi = 0xBF) {
    uint8_t b = byteAt(p + k, flash);
    if (b < lo || b > hi) return -k;
  }
  return len;
}
}  // namespace

size_t jsonTextUnits(const char* text, size_t limit) {
  size_t units = 0;
  for (const char* p = text; *p != '\0' && units <= limit; units++) {
    if (static_cast<uint8_t>(*p) < 0x80) {
      p++;
      continue;
    }
    int n = utf8Sequence(p, false);
    if (n == 4) units++;  // beyond U+FFFF: a surrogate pair
    p += n > 0 ? n : -n;
  }
  return units;
}

void JsonWriter::putString(const char* text, bool flash) {
  separator();
  put('"');
  for (const char* p = text;;) {
    uint8_t c = byteAt(p, flash);
    if (c == 0) break;
    if (c >= 0x80) {  // copied when well-formed, else U+FFFD: the output is always valid JSON
      int n = utf8Sequence(p, flash);
      if (n > 0) put(p, static_cast<size_t>(n), flash);
      else put(HYPERTCP_FSTR("\xEF\xBF\xBD"), 3, true);
      p += n > 0 ? n : -n;
      continue;
    }
    if (c == '"' || c == '\\') {
      put('\\');
    } else if (c < 0x20) {  // \u00XX, lowercase hex
      put(HYPERTCP_FSTR("\\u00"), 4, true);
      put(static_cast<char>('0' + (c >> 4)));
      c &= 15;
      c = static_cast<uint8_t>(c < 10 ? '0' + c : 'a' - 10 + c);
    }
    put(static_cast<char>(c));
    p++;
  }
  put('"');
}

JsonWriter& JsonWriter::value(bool flag) {
  separator();
  if (flag) put(HYPERTCP_FSTR("true"), 4, true);
  else put(HYPERTCP_FSTR("false"), 5, true);
  return *this;
}

JsonWriter& JsonWriter::null() {
  separator();
  put(HYPERTCP_FSTR("null"), 4, true);
  return *this;
}

void JsonWriter::putUnsigned(unsigned long number) {
  // Most significant digit first, by recursion: at most 10 levels for a 32-bit long (20 for
  // 64 bits), a few bytes of stack each; smaller than a digit buffer and a second loop.
  if (number >= 10) putUnsigned(number / 10);
  put(static_cast<char>('0' + number % 10));
}

JsonWriter& JsonWriter::value(long number) {
  separator();
  if (number < 0) {
    put('-');
    putUnsigned(0UL - static_cast<unsigned long>(number));
  } else {
    putUnsigned(static_cast<unsigned long>(number));
  }
  return *this;
}

JsonWriter& JsonWriter::value(unsigned long number) {
  separator();
  putUnsigned(number);
  return *this;
}

JsonWriter& JsonWriter::value(double number, uint8_t decimals) {
  // Own formatting: printf("%f") is missing or heavy on AVR and ESP8266 builds.
  if (!(number > -2e9 && number < 2e9)) return null();  // also catches NaN
  if (decimals > 6) decimals = 6;
  unsigned long scale = 1;
  for (uint8_t i = 0; i < decimals; i++) scale *= 10;
  bool negative = number < 0;
  double magnitude = negative ? -number : number;
  unsigned long whole = static_cast<unsigned long>(magnitude);
  unsigned long frac = static_cast<unsigned long>((magnitude - static_cast<double>(whole)) * static_cast<double>(scale) + 0.5);
  if (frac >= scale) {
    whole++;
    frac -= scale;
  }
  separator();
  if (negative && (whole > 0 || frac > 0)) put('-');
  putUnsigned(whole);
  if (decimals > 0) {
    put('.');
    for (unsigned long div = scale / 10; div > 0; div /= 10) put(static_cast<char>('0' + (frac / div) % 10));
  }
  return *this;
}

JsonWriter& JsonWriter::raw(const char* json, size_t length) {
  separator();
  put(json, length);
  return *this;
}

}  // namespace hypertcp
