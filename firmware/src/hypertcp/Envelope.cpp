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

bool isValidId(const char* id, size_t length) {
  if (id == nullptr || length < 1 || length > kMaxIdLength) return false;
  for (size_t i = 0; i < length; i++) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {
const char kTargetPrefix[] = "{\"targetId\":\"";
const char kPayloadPrefix[] = "\",\"payload\":";

void writeDevice(JsonWriter& w, const DeviceInfo& d) {
  w.beginObject();
  if (d.name) w.field("name", d.name);
  if (d.fw) w.field("fw", d.fw);
  if (d.board) w.field("board", d.board);
  w.key("controls").beginArray();
  for (uint8_t i = 0; d.controls && i < d.controlCount; i++) {
    const Control& c = d.controls[i];
    w.beginObject().field("id", c.id).field("kind", controlKindName(c.kind));
    if (c.label) w.field("label", c.label);
    if (c.min != c.max) w.field("min", c.min).field("max", c.max);
    if (c.step != 0) w.field("step", c.step);
    if (c.options && c.optionCount > 0) {
      w.key("options").beginArray();
      for (uint8_t k = 0; k < c.optionCount; k++) w.value(c.options[k]);
      w.endArray();
    }
    w.endObject();
  }
  w.endArray();
  w.key("telemetry").beginArray();
  for (uint8_t i = 0; d.telemetry && i < d.telemetryCount; i++) {
    const Telemetry& t = d.telemetry[i];
    w.beginObject().field("id", t.id);
    if (t.label) w.field("label", t.label);
    if (t.unit) w.field("unit", t.unit);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}
}  // namespace

size_t writeV2Login(char* out, size_t capacity, const char* token, const DeviceInfo* device) {
  JsonWriter w(out, capacity);
  w.beginObject().field("v", 2).field("token", token);
  if (device) {
    w.key("device");
    writeDevice(w, *device);
  }
  w.endObject();
  return w.ok() ? w.length() : 0;
}

size_t envelopeLength(size_t targetLength, size_t payloadLength) {
  return sizeof(kTargetPrefix) - 1 + targetLength + sizeof(kPayloadPrefix) - 1 + payloadLength + 1;
}

size_t writeEnvelope(char* out, size_t capacity, const char* target, const char* payload, size_t payloadLength) {
  // Plain concatenation: the target is a checked id and the payload checked JSON.
  size_t targetLength = strlen(target);
  size_t total = envelopeLength(targetLength, payloadLength);
  if (total > capacity) return 0;
  char* p = out;
  memcpy(p, kTargetPrefix, sizeof(kTargetPrefix) - 1);
  p += sizeof(kTargetPrefix) - 1;
  memcpy(p, target, targetLength);
  p += targetLength;
  memcpy(p, kPayloadPrefix, sizeof(kPayloadPrefix) - 1);
  p += sizeof(kPayloadPrefix) - 1;
  memcpy(p, payload, payloadLength);
  p += payloadLength;
  *p = '}';
  return total;
}

Error checkPayload(const char* payload, size_t length) {
  size_t i = 0;
  while (i < length && (payload[i] == ' ' || payload[i] == '\n' || payload[i] == '\r' || payload[i] == '\t')) i++;
  if (i >= length || payload[i] != '{') return Error::InvalidPayload;
  // The payload sits one level inside the envelope, hence one level less.
  return json::validate(payload, length, kMaxJsonDepth - 1) == json::Check::Ok ? Error::None : Error::InvalidPayload;
}

bool parseDelivered(const char* text, size_t length, Delivered& out) {
  if (json::validate(text, length) != json::Check::Ok) return false;
  json::Span from;
  if (!json::find(text, length, "from", from) || !json::find(text, length, "payload", out.payload)) return false;
  if (out.payload.len == 0 || out.payload.ptr[0] != '{') return false;
  if (from.len < 3 || from.ptr[0] != '"' || !isValidId(from.ptr + 1, from.len - 2)) return false;
  memcpy(out.from, from.ptr + 1, from.len - 2);
  out.from[from.len - 2] = '\0';
  return true;
}

bool parseLoginReply(const char* text, size_t length, LoginReply& out) {
  out.id[0] = '\0';
  out.keepaliveMs = 0;
  out.maxPayload = 0;
  if (length == 0) return true;  // status byte alone is fine
  if (json::validate(text, length) != json::Check::Ok) return false;
  json::Span id;
  if (json::find(text, length, "id", id)) {
    if (id.len < 3 || id.ptr[0] != '"' || !isValidId(id.ptr + 1, id.len - 2)) return false;
    memcpy(out.id, id.ptr + 1, id.len - 2);
    out.id[id.len - 2] = '\0';
  }
  long value;
  if (json::getLong(text, length, "keepalive", value) && value > 0 && value <= 3600) {
    out.keepaliveMs = static_cast<uint32_t>(value) * 1000UL;
  }
  if (json::getLong(text, length, "maxPayload", value) && value > 0) {
    out.maxPayload = value > 65535 ? 65535 : static_cast<uint16_t>(value);
  }
  return true;
}

bool parseRedirect(const char* text, size_t length, char* host, size_t hostSize, uint16_t& port) {
  if (json::validate(text, length) != json::Check::Ok) return false;
  long value;
  if (!json::getLong(text, length, "port", value) || value < 1 || value > 65535) return false;
  // Hostnames and IP literals never need escapes, so the raw string is the host (and the
  // string decoder stays out of the core).
  json::Span server;
  if (!json::find(text, length, "server", server) || server.len < 3 || server.ptr[0] != '"') return false;
  size_t hostLength = server.len - 2;
  if (hostLength >= hostSize) return false;
  for (size_t i = 0; i < hostLength; i++) {
    char c = server.ptr[1 + i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '_';
    if (!ok) return false;
  }
  memcpy(host, server.ptr + 1, hostLength);
  host[hostLength] = '\0';
  port = static_cast<uint16_t>(value);
  return true;
}

const char* checkDeviceEnvelope(const char* text, size_t length, json::Span* targetOut) {
  json::ObjectReader reader(text, length, 0, kMaxJsonDepth);
  json::Span key, value, target = {nullptr, 0}, payload = {nullptr, 0};
  json::Check why;
  for (;;) {
    json::ObjectReader::Step step = reader.next(key, value, why);
    if (step == json::ObjectReader::End) break;
    if (step == json::ObjectReader::Fail) {
      if (why == json::Check::TooDeep) return "too_deep";
      if (why == json::Check::ForbiddenKey) return "forbidden_key";
      size_t i = 0;
      while (i < length && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) i++;
      if (i < length && text[i] != '{' && json::validate(text, length) == json::Check::Ok) return "not_object";
      return "not_json";
    }
    json::Span* slot = json::keyIs(key, "targetId") ? &target : json::keyIs(key, "payload") ? &payload : nullptr;
    if (slot == nullptr) return "unknown_key";
    if (slot->ptr != nullptr) return "duplicate_key";
    *slot = value;
  }
  size_t end = reader.end();
  while (end < length && (text[end] == ' ' || text[end] == '\n' || text[end] == '\r' || text[end] == '\t')) end++;
  if (end != length) return "not_json";
  if (target.ptr == nullptr) return "missing_target";
  if (payload.ptr == nullptr) return "missing_payload";
  if (target.ptr[0] != '"' || !isValidId(target.ptr + 1, target.len - 2)) return "bad_target";
  if (payload.ptr[0] != '{') return "bad_payload";
  if (targetOut) *targetOut = target;
  return nullptr;
}

}  // namespace hypertcp
