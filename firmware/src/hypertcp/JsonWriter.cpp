#include "JsonWriter.h"

#include <string.h>

namespace hypertcp {

JsonWriter::JsonWriter(char* buffer, size_t capacity)
    : buffer_(buffer), capacity_(capacity), length_(0), hasItem_(0), depth_(0), afterKey_(false), ok_(capacity > 0) {
  if (ok_) buffer_[0] = '\0';
}

void JsonWriter::put(char c) { put(&c, 1); }

void JsonWriter::put(const char* text, size_t length, bool flash) {
  if (!ok_) return;
  if (length_ + length >= capacity_) {  // one byte stays for the NUL
    ok_ = false;
    buffer_[0] = '\0';
    return;
  }
  if (flash) flashCopy(buffer_ + length_, text, length);
  else memcpy(buffer_ + length_, text, length);
  length_ += length;
  buffer_[length_] = '\0';
}

void JsonWriter::separator() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (depth_ == 0) return;
  uint32_t bit = 1UL << (depth_ - 1);
  if (hasItem_ & bit) put(',');
  hasItem_ |= bit;
}

void JsonWriter::open(char bracket) {
  separator();
  put(bracket);
  if (depth_ >= 32) ok_ = false;
  else hasItem_ &= ~(1UL << depth_++);
}

void JsonWriter::close(char bracket) {
  put(bracket);
  if (depth_ > 0) depth_--;
}

JsonWriter& JsonWriter::beginObject() {
  open('{');
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  close('}');
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  open('[');
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  close(']');
  return *this;
}

JsonWriter& JsonWriter::key(const char* name) {
  value(name);
  put(':');
  afterKey_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(FlashString name) {
  value(name);
  put(':');
  afterKey_ = true;
  return *this;
}

void JsonWriter::putString(const char* text, bool flash) {
  static const char kHex[] HYPERTCP_FLASH = "0123456789abcdef";
  separator();
  put('"');
  for (const char* p = text;; p++) {
    uint8_t c = flash ? flashByte(p) : static_cast<uint8_t>(*p);
    if (c == 0) break;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', static_cast<char>(c)};
      put(esc, 2);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', static_cast<char>(flashByte(kHex + (c >> 4))),
                     static_cast<char>(flashByte(kHex + (c & 15)))};
      put(esc, 6);
    } else {
      put(static_cast<char>(c));
    }
  }
  put('"');
}

JsonWriter& JsonWriter::value(const char* text) {
  if (text == nullptr) return null();
  putString(text, false);
  return *this;
}

JsonWriter& JsonWriter::value(FlashString text) {
  if (text.text == nullptr) return null();
  putString(text.text, true);
  return *this;
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
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number > 0);
  while (n > 0) put(digits[--n]);
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
