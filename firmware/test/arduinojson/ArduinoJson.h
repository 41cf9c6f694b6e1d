// Test stand-in for ArduinoJson 7 (not available here): just the names HyperTCP's optional
// overloads use (JsonDocument, JsonObject, JsonVariantConst, deserializeJson, serializeJson),
// backed by the library's own scanner. It checks that the overloads compile and dispatch; it is
// not ArduinoJson.
#ifndef FAKE_ARDUINOJSON_H
#define FAKE_ARDUINOJSON_H

#include <string.h>

#include "hypertcp/JsonScan.h"

#define ARDUINOJSON_VERSION_MAJOR 7

class JsonVariantConst {
 public:
  JsonVariantConst(const char* json, size_t length) : json_(json), length_(length) {}
  const char* json() const { return json_; }
  size_t length() const { return length_; }

 private:
  const char* json_;
  size_t length_;
};

class JsonObject {
 public:
  JsonObject() : json_(""), length_(0) {}
  JsonObject(const char* json, size_t length) : json_(json), length_(length) {}
  operator JsonVariantConst() const { return JsonVariantConst(json_, length_); }
  // Simplified: string members only.
  bool getString(const char* key, char* out, size_t size) const {
    return hypertcp::json::getString(json_, length_, key, out, size);
  }

 private:
  const char* json_;
  size_t length_;
};

class JsonDocument {
 public:
  template <class T>
  T as() const {
    return T(json_, length_);
  }
  const char* json_ = "";
  size_t length_ = 0;
};

struct DeserializationError {
  enum Code { Ok, InvalidInput, NoMemory };
  Code code;
  explicit operator bool() const { return code != Ok; }
  bool operator==(Code other) const { return code == other; }
};

// The document's room for a payload's text (0: no limit), as a StaticJsonDocument<N> has N bytes.
extern size_t fakeDocumentCapacity;

inline DeserializationError deserializeJson(JsonDocument& doc, const char* json, size_t length) {
  doc.json_ = json;
  doc.length_ = length;
  if (hypertcp::json::validate(json, length) != hypertcp::json::Check::Ok) return {DeserializationError::InvalidInput};
  if (fakeDocumentCapacity != 0 && length > fakeDocumentCapacity) return {DeserializationError::NoMemory};
  return {DeserializationError::Ok};
}

inline size_t measureJson(JsonVariantConst value) { return value.length(); }

// Like ArduinoJson 6 up to 6.17, the stricter: at most size - 1 characters, then always a NUL
// (later versions may fill all size bytes and add the NUL only when there is room).
inline size_t serializeJson(JsonVariantConst value, char* out, size_t size) {
  if (size == 0) return 0;
  size_t n = value.length() < size - 1 ? value.length() : size - 1;
  memcpy(out, value.json(), n);
  out[n] = '\0';
  return n;
}

#endif
