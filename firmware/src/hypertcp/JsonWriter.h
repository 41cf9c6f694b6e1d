// Writes compact JSON into a fixed buffer with correct escaping and commas. On overflow it stops,
// ok() turns false and the text is never valid-looking but truncated: callers check ok().
//   char buf[96];
//   hypertcp::JsonWriter w(buf, sizeof buf);
//   w.beginObject().key("state").beginObject().field("relay1", true).endObject().endObject();
#ifndef HYPERTCP_JSON_WRITER_H
#define HYPERTCP_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "Flash.h"

namespace hypertcp {

// A NUL-terminated string stored with HYPERTCP_FLASH (PROGMEM on AVR/ESP8266): keys and texts
// that cost no RAM. Write HYPERTCP_F("name") inside a function.
struct FlashString {
  const char* text;
};
// A function, not a braced init: avr-gcc 5.4 -flto crashes on PSTR inside an aggregate init.
inline FlashString flashString(const char* text) {
  FlashString s;
  s.text = text;
  return s;
}
#define HYPERTCP_F(s) (::hypertcp::flashString(HYPERTCP_FSTR(s)))

// The length of text as JavaScript counts it (UTF-16 code units) once written by JsonWriter
// (bytes that are not well-formed UTF-8 count as the U+FFFD written for them); counting stops
// past limit. The broker's schema limits (labels, units, ...) are in these units.
size_t jsonTextUnits(const char* text, size_t limit);

class JsonWriter {
 public:
  JsonWriter(char* buffer, size_t capacity);

  JsonWriter& beginObject() { return open('{'); }
  JsonWriter& endObject() { return close('}'); }
  JsonWriter& beginArray() { return open('['); }
  JsonWriter& endArray() { return close(']'); }
  JsonWriter& key(const char* name) { return string(name, false, true); }
  JsonWriter& key(FlashString name) { return string(name.text, true, true); }

  // Escaped; bytes that are not well-formed UTF-8 become U+FFFD; nullptr writes null.
  JsonWriter& value(const char* text) { return string(text, false, false); }
  JsonWriter& value(FlashString text) { return string(text.text, true, false); }
  JsonWriter& value(bool flag);
  JsonWriter& value(int number) { return value(static_cast<long>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<unsigned long>(number)); }
  JsonWriter& value(long number);
  JsonWriter& value(unsigned long number);
  JsonWriter& value(double number, uint8_t decimals = 2);  // NaN, inf and |x| >= 2e9 write null
  JsonWriter& null();
  // Copies already-serialised JSON as one value (the caller vouches for it).
  JsonWriter& raw(const char* json, size_t length);

  template <class T>
  JsonWriter& field(const char* name, T v) {
    return key(name).value(v);
  }
  template <class T>
  JsonWriter& field(FlashString name, T v) {
    return key(name).value(v);
  }

  bool ok() const { return ok_; }
  size_t length() const { return length_; }
  const char* c_str() const { return buffer_; }

 private:
  void separator();
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  JsonWriter& string(const char* text, bool flash, bool isKey);  // a value, or a key and its ':'
  void put(char c);
  void put(const char* text, size_t length, bool flash = false);
  void putString(const char* text, bool flash);  // quoted and escaped
  void putUnsigned(unsigned long number);

  char* buffer_;
  size_t capacity_;
  size_t length_;
  uint8_t depth_;  // open containers; more than 32 fails like the broker's nesting limit
  bool ok_;
};

}  // namespace hypertcp

#endif
