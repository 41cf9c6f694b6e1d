#include "Envelope.h"

#include <string.h>

#include "JsonWriter.h"

namespace hypertcp {

const char* controlKindName(ControlKind kind) {
  switch (kind) {
    case ControlKind::Relay: return "relay";
    case ControlKind::Switch: return "switch";
    case ControlKind::Button: return "button";
    case ControlKind::Slider: return "slider";
    case ControlKind::Select: return "select";
  }
  return "relay";
}

namespace {
// [A-Za-z0-9_.:-]: device ids, and the host names and IP literals a REDIRECT may name. One bit
// per ASCII code (a table is smaller than the range compares on every target).
const char kPlainBits[16] HYPERTCP_FLASH = {0x00, 0x00, 0x00, 0x00, 0x00, 0x60, '\xFF', 0x07,
                                     '\xFE', '\xFF', '\xFF', '\x87', '\xFE', '\xFF', '\xFF', 0x07};
bool plainChars(const char* text, size_t length) {
  for (size_t i = 0; i < length; i++) {
    uint8_t c = static_cast<uint8_t>(text[i]);
    if (c >= 128 || !((flashByte(kPlainBits + (c >> 3)) >> (c & 7)) & 1)) return false;
  }
  return true;
}
}  // namespace

bool isValidId(const char* id, size_t length) {
  return id != nullptr && length >= 1 && length <= kMaxIdLength && plainChars(id, length);
}

namespace {
// Control and telemetry ids: 1-32 of [A-Za-z0-9_.-] (a device id's set without ':').
bool isValidChannelId(const char* id) {
  if (id == nullptr) return false;
  size_t length = 0;
  while (length <= 32 && id[length] != '\0') length++;
  return length <= 32 && isValidId(id, length) && memchr(id, ':', length) == nullptr;
}

bool textFits(const char* text, size_t limit) { return text == nullptr || jsonTextUnits(text, limit) <= limit; }
}  // namespace

bool isValidDevice(const DeviceInfo& d) {
  if (!textFits(d.name, 64) || !textFits(d.fw, 32) || !textFits(d.board, 32)) return false;
  if ((d.controls && d.controlCount > 32) || (d.telemetry && d.telemetryCount > 32)) return false;
  for (uint8_t i = 0; d.controls && i < d.controlCount; i++) {
    const Control& c = d.controls[i];
    if (!isValidChannelId(c.id) || !textFits(c.label, 64)) return false;
    if (!c.options || c.optionCount == 0) continue;
    if (c.optionCount > 16) return false;
    for (uint8_t k = 0; k < c.optionCount; k++)
      if (c.options[k] == nullptr || !textFits(c.options[k], 32)) return false;
  }
  for (uint8_t i = 0; d.telemetry && i < d.telemetryCount; i++) {
    const Telemetry& t = d.telemetry[i];
    if (!isValidChannelId(t.id) || !textFits(t.label, 64) || !textFits(t.unit, 16)) return false;
  }
  return true;
}

using json::skipSpace;

namespace {

const char kTargetPrefix[] HYPERTCP_FLASH = "{\"targetId\":\"";
const char kPayloadPrefix[] HYPERTCP_FLASH = "\",\"payload\":";
// The LOGIN's keys and the control kind names (in ControlKind order) as one flash object: each
// is the object's address plus a constant, which xtensa builds from one literal instead of one
// per string.
struct LoginWords {
  char v[2], token[6], device[7], name[5], fw[3], board[6], controls[9], id[3], kind[5], label[6], min[4], max[4],
      step[5], options[8], telemetry[10], unit[5], maxPayload[11];
  char kinds[5][7];
};
const LoginWords kLogin HYPERTCP_FLASH = {
    "v",    "token", "device", "name", "fw", "board", "controls", "id", "kind", "label", "min", "max", "step", "options",
    "telemetry", "unit", "maxPayload", {"relay", "switch", "button", "slider", "select"}};
#define LOGIN_WORD(word) flashString(kLogin.word)

void writeDevice(JsonWriter& w, const DeviceInfo& d) {
  w.beginObject();
  if (d.name) w.field(LOGIN_WORD(name), d.name);
  if (d.fw) w.field(LOGIN_WORD(fw), d.fw);
  if (d.board) w.field(LOGIN_WORD(board), d.board);
  w.key(LOGIN_WORD(controls)).beginArray();
  for (uint8_t i = 0; d.controls && i < d.controlCount; i++) {
    const Control& c = d.controls[i];
    uint8_t kind = static_cast<uint8_t>(c.kind) <= static_cast<uint8_t>(ControlKind::Select) ? static_cast<uint8_t>(c.kind) : 0;
    w.beginObject().field(LOGIN_WORD(id), c.id);
    w.field(LOGIN_WORD(kind), LOGIN_WORD(kinds[kind]));
    if (c.label) w.field(LOGIN_WORD(label), c.label);
    if (c.min != c.max) w.field(LOGIN_WORD(min), c.min).field(LOGIN_WORD(max), c.max);
    if (c.step != 0) w.field(LOGIN_WORD(step), c.step);
    if (c.options && c.optionCount > 0) {
      w.key(LOGIN_WORD(options)).beginArray();
      for (uint8_t k = 0; k < c.optionCount; k++) w.value(c.options[k]);
      w.endArray();
    }
    w.endObject();
  }
  w.endArray();
  w.key(LOGIN_WORD(telemetry)).beginArray();
  for (uint8_t i = 0; d.telemetry && i < d.telemetryCount; i++) {
    const Telemetry& t = d.telemetry[i];
    w.beginObject().field(LOGIN_WORD(id), t.id);
    if (t.label) w.field(LOGIN_WORD(label), t.label);
    if (t.unit) w.field(LOGIN_WORD(unit), t.unit);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}
}  // namespace

size_t writeV2Login(char* out, size_t capacity, const char* token, const DeviceInfo* device, uint16_t maxPayload) {
  JsonWriter w(out, capacity);
  w.beginObject().field(LOGIN_WORD(v), 2).field(LOGIN_WORD(token), token);
  if (maxPayload != 0) w.field(LOGIN_WORD(maxPayload), static_cast<unsigned>(maxPayload));
  if (device) {
    w.key(LOGIN_WORD(device));
    writeDevice(w, *device);
  }
  w.endObject();
  return w.ok() ? w.length() : 0;
}
#undef LOGIN_WORD

size_t envelopeLength(size_t targetLength, size_t payloadLength) {
  return sizeof(kTargetPrefix) - 1 + targetLength + sizeof(kPayloadPrefix) - 1 + payloadLength + 1;
}

void putEnvelope(char* out, const char* target, size_t targetLength, const char* payload, size_t payloadLength) {
  // Plain concatenation: the target is a checked id and the payload checked JSON.
  char* p = out;
  flashCopy(p, kTargetPrefix, sizeof(kTargetPrefix) - 1);
  p += sizeof(kTargetPrefix) - 1;
  memcpy(p, target, targetLength);
  p += targetLength;
  flashCopy(p, kPayloadPrefix, sizeof(kPayloadPrefix) - 1);
  p += sizeof(kPayloadPrefix) - 1;
  memcpy(p, payload, payloadLength);
  p[payloadLength] = '}';
}

size_t writeEnvelope(char* out, size_t capacity, const char* target, const char* payload, size_t payloadLength) {
  size_t targetLength = strlen(target);
  size_t total = envelopeLength(targetLength, payloadLength);
  if (total > capacity) return 0;
  putEnvelope(out, target, targetLength, payload, payloadLength);
  return total;
}

Error checkPayload(const char* payload, size_t length) {
  size_t i = skipSpace(payload, length, 0);
  if (i >= length || payload[i] != '{') return Error::InvalidPayload;
  // The payload sits one level inside the envelope, hence one level less.
  return json::validate(payload, length, kMaxJsonDepth - 1) == json::Check::Ok ? Error::None : Error::InvalidPayload;
}

namespace {
struct Wanted {
  const char* keys;  // NUL-separated, in flash
  json::Span* values;
  uint8_t count;
};

void takeWanted(const json::Span& key, const json::Span& value, void* context) {
  Wanted& w = *static_cast<Wanted*>(context);
  const char* name = w.keys;
  for (uint8_t k = 0; k < w.count; k++) {
    size_t n = flashLength(name);
    if (w.values[k].ptr == nullptr && key.len == n + 2 && flashEquals(key.ptr + 1, name, n)) w.values[k] = value;
    name += n + 1;
  }
}

// Keys picked from broker frames (NUL-separated lists).
const char kDeliveredKeys[] HYPERTCP_FLASH = "from\0payload";
const char kReplyKeys[] HYPERTCP_FLASH = "id\0keepalive\0maxPayload";
const char kRedirectKeys[] HYPERTCP_FLASH = "server\0port";

// Validates one JSON object and picks the spans of the wanted keys (first occurrence; absent
// ones stay empty) in the same pass. False unless the text is exactly one valid object.
bool readMembers(const char* text, size_t length, const char* keys, json::Span* values, uint8_t count) {
  for (uint8_t k = 0; k < count; k++) values[k].ptr = nullptr, values[k].len = 0;
  size_t i = skipSpace(text, length, 0);
  if (i >= length || text[i] != '{') return false;
  Wanted wanted = {keys, values, count};
  return json::validate(text, length, kMaxJsonDepth, takeWanted, &wanted) == json::Check::Ok;
}

// A string token of 1..maxLength characters of [A-Za-z0-9_.:-] (ids, host names and IP
// literals: never escaped), copied NUL-terminated into out[maxLength + 1].
bool copyPlain(const json::Span& value, char* out, size_t maxLength) {
  size_t length = value.len - 2;
  if (value.len < 3 || value.ptr[0] != '"' || length > maxLength || !plainChars(value.ptr + 1, length)) return false;
  memcpy(out, value.ptr + 1, length);
  out[length] = '\0';
  return true;
}
}  // namespace

bool parseDelivered(const char* text, size_t length, Delivered& out) {
  json::Span v[2];
  if (!readMembers(text, length, kDeliveredKeys, v, 2) || v[1].ptr == nullptr || v[1].ptr[0] != '{') return false;
  out.payload = v[1];
  return v[0].ptr != nullptr && copyPlain(v[0], out.from, kMaxIdLength);
}

bool parseLoginReply(const char* text, size_t length, LoginReply& out) {
  out.id[0] = '\0';
  out.keepaliveMs = 0;
  out.maxPayload = 0;
  if (length == 0) return true;  // status byte alone is fine
  json::Span v[3];
  if (!readMembers(text, length, kReplyKeys, v, 3)) return false;
  if (v[0].ptr && !copyPlain(v[0], out.id, kMaxIdLength)) return false;
  long value;
  if (v[1].ptr && json::toLong(v[1], value) && value > 0 && value <= 3600) {
    out.keepaliveMs = static_cast<uint32_t>(value) * 1000UL;
  }
  if (v[2].ptr && json::toLong(v[2], value) && value > 0) {
    out.maxPayload = value > 65535 ? 65535 : static_cast<uint16_t>(value);
  }
  return true;
}

bool parseRedirect(const char* text, size_t length, char* host, size_t hostSize, uint16_t& port) {
  json::Span v[2];
  long value;
  if (!readMembers(text, length, kRedirectKeys, v, 2) || !v[0].ptr || !v[1].ptr) return false;
  if (!json::toLong(v[1], value) || value < 1 || value > 65535) return false;
  // Hostnames and IP literals never need escapes, so the raw string is the host (and the
  // string decoder stays out of the core).
  if (hostSize == 0 || !copyPlain(v[0], host, hostSize - 1)) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

const char* checkDeviceEnvelope(const char* text, size_t length, json::Span* targetOut) {
  json::ObjectReader reader(text, length, 0, kMaxJsonDepth);
  json::Span key, value, target = {nullptr, 0}, payload = {nullptr, 0};
  json::Check why;
  for (;;) {
    key.ptr = nullptr;
    json::ObjectReader::Step step = reader.next(key, value, why);
    if (step == json::ObjectReader::End) break;
    json::Span* slot = key.ptr == nullptr              ? nullptr
                       : json::keyIs(key, "targetId") ? &target
                       : json::keyIs(key, "payload")  ? &payload
                                                      : nullptr;
    // Like the broker, name an unknown key before anything about its value or a repeat of it (an
    // escaped spelling of "targetId" is unknown to the broker too).
    if (key.ptr != nullptr && slot == nullptr) return "unknown_key";
    if (step == json::ObjectReader::Fail) {
      if (why == json::Check::TooDeep) return "too_deep";
      if (why == json::Check::ForbiddenKey) return "forbidden_key";
      if (why == json::Check::DuplicateKey) return "duplicate_key";
      size_t i = skipSpace(text, length, 0);
      if (i < length && text[i] != '{' && json::validate(text, length) == json::Check::Ok) return "not_object";
      return "not_json";
    }
    *slot = value;
  }
  if (skipSpace(text, length, reader.end()) != length) return "not_json";
  if (target.ptr == nullptr) return "missing_target";
  if (payload.ptr == nullptr) return "missing_payload";
  if (target.ptr[0] != '"' || !isValidId(target.ptr + 1, target.len - 2)) return "bad_target";
  if (payload.ptr[0] != '{') return "bad_payload";
  if (targetOut) *targetOut = target;
  return nullptr;
}

}  // namespace hypertcp
