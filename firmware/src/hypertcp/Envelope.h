// Payload codecs that need no I/O: the LOGIN payloads, the device-to-broker envelope, and the
// broker-to-device frames we parse (delivered envelopes, login reply, REDIRECT).
#ifndef HYPERTCP_ENVELOPE_H
#define HYPERTCP_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "DeviceInfo.h"
#include "JsonScan.h"
#include "Protocol.h"

namespace hypertcp {

// Device ids and targets: 1-64 characters of [A-Za-z0-9_.:-] (never need JSON escaping).
bool isValidId(const char* id, size_t length);

// Would the broker take this description (shared/protocol/login.ts)? At most 32 controls and 32
// telemetry channels; ids 1-32 of [A-Za-z0-9_.-]; name and labels at most 64 characters (UTF-16
// units, as JavaScript counts), fw and board 32, units 16; at most 16 options of 32; no id or
// option is null (nullptr texts that are optional are left out).
bool isValidDevice(const DeviceInfo& device);

// {"v":2,"token":..,"maxPayload":N,"device":{..}} into out; returns its length, 0 if it does not
// fit. maxPayload: the largest frame payload this device can receive (its receive buffer), so the
// broker refuses bigger deliveries instead of acking them while we skip them (PROTOCOL 3.2); 0 leaves
// the key out.
size_t writeV2Login(char* out, size_t capacity, const char* token, const DeviceInfo* device, uint16_t maxPayload);

// {"targetId":"<target>","payload":<payload>} into out (no NUL); 0 if it does not fit. Arguments
// are expected to be checked already (isValidId, checkPayload).
size_t envelopeLength(size_t targetLength, size_t payloadLength);
size_t writeEnvelope(char* out, size_t capacity, const char* target, const char* payload, size_t payloadLength);
// The same without checks: out has room for envelopeLength(targetLength, payloadLength) bytes.
void putEnvelope(char* out, const char* target, size_t targetLength, const char* payload, size_t payloadLength);

// Would the broker accept this as an envelope payload? (a JSON object, depth and keys allowed)
Error checkPayload(const char* payload, size_t length);

// Broker-to-device {"from":"id","payload":{...}}. from is copied (NUL-terminated), the payload
// is a span inside text.
struct Delivered {
  char from[kMaxIdLength + 1];
  json::Span payload;
};
bool parseDelivered(const char* text, size_t length, Delivered& out);

// The JSON after the status byte of a v2 login reply. Missing fields keep their defaults; on
// failure (false) out holds the defaults only.
struct LoginReply {
  uint32_t keepaliveMs;  // 0 when absent
  uint16_t maxPayload;   // 0 when absent
  char id[kMaxIdLength + 1];
};
bool parseLoginReply(const char* text, size_t length, LoginReply& out);

// {"server":"host","port":1234}. host and port are written only when it returns true.
bool parseRedirect(const char* text, size_t length, char* host, size_t hostSize, uint16_t& port);

// The broker's checks on a device envelope, with its error codes ("not_json", "bad_target", ..);
// nullptr when valid. Used by the tests against the shared golden vectors.
const char* checkDeviceEnvelope(const char* text, size_t length, json::Span* target);

}  // namespace hypertcp

#endif
