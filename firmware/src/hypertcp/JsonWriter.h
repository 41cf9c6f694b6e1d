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

class JsonWriter {
 public:
  JsonWriter(char* buffer, size_t capacity);

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(const char* name);
  JsonWriter& key(FlashString name);

  JsonWriter& value(const char* text);  // escaped string; nullptr writes null
  JsonWriter& value(FlashString text);
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
  void open(char bracket);
  void close(char bracket);
  void put(char c);
  void put(const char* text, size_t length, bool flash = false);
  void putString(const char* text, bool flash);  // quoted and escaped
  void putUnsigned(unsigned long number);

  char* buffer_;
  size_t capacity_;
  size_t length_;
  uint32_t hasItem_;  // bit d: the container at depth d already has an element
  uint8_t depth_;
  bool afterKey_;
  bool ok_;
};

}  // namespace hypertcp

#endif
