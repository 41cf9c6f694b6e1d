// The bytes the native load generator writes and reads, mirroring bench/lib/payload.ts,
// bench/lib/stats.ts (histogram buckets) and bench/load/{hypertcp,mqtt}-wire.ts.
#pragma once
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>

namespace loadgen {

// ---- payload (bench/lib/payload.ts) ----------------------------------------------------------
inline const std::string kTsMarker = "{\"ts\":\"";
inline std::string payloadTemplate() {
  std::string head = "{\"ts\":\"" + std::string(15, '0') + "\",\"src\":\"" + std::string(4, '0') + "\",\"seq\":\"" +
                     std::string(8, '0') + "\",\"pad\":\"";
  const std::string tail = "\"}";
  return head + std::string(64 - head.size() - tail.size(), 'x') + tail;
}
inline const std::string kPayload = payloadTemplate();
inline const size_t kTsAt = kTsMarker.size();
inline const size_t kSrcAt = kPayload.find("\"src\":\"") + 7;
inline const size_t kSeqAt = kPayload.find("\"seq\":\"") + 7;

inline uint64_t nowMicros() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);  // process.hrtime()'s clock: comparable across processes
  return uint64_t(t.tv_sec) * 1000000u + uint64_t(t.tv_nsec) / 1000u;
}

inline void writeDigits(uint8_t* at, int width, uint64_t v) {
  for (int i = width - 1; i >= 0; i--, v /= 10) at[i] = uint8_t('0' + v % 10);
}

inline int64_t readDigits(const uint8_t* at, int width) {
  int64_t v = 0;
  for (int i = 0; i < width; i++) {
    if (at[i] < '0' || at[i] > '9') return -1;
    v = v * 10 + (at[i] - '0');
  }
  return v;
}

// ---- histogram (bench/lib/stats.ts: the same buckets, merged by the coordinator) ----------------
constexpr int kExact = 128, kSubBits = 6, kSub = 1 << kSubBits, kMaxExp = 31;
constexpr int kBuckets = kExact + (kMaxExp - 7) * kSub;

inline int bucketOf(int64_t micros) {
  const uint32_t v = micros <= 0 ? 0 : uint32_t(micros > 0x7fffffff ? 0x7fffffff : micros);
  if (v < kExact) return int(v);
  const int exp = 31 - __builtin_clz(v);
  return kExact + (exp - 7) * kSub + int((v >> (exp - kSubBits)) - kSub);
}

// ---- wire formats (bench/load/hypertcp-wire.ts, mqtt-wire.ts) --------------------------------
enum : uint8_t { RESPONSE = 0, PING = 6, LOGIN = 29, JSON_MESSAGE = 30, BROADCAST = 50 };
enum : uint8_t { CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBSCRIBE = 8, SUBACK = 9 };
constexpr uint8_t kSuccess = 200;

inline std::string hypertcpFrame(uint8_t cmd, uint16_t msgId, const std::string& body) {
  std::string f{char(cmd), char(msgId >> 8), char(msgId & 0xff), char(body.size() >> 8), char(body.size() & 0xff)};
  return f + body;
}

inline std::string mqttString(const std::string& s) { return std::string{char(s.size() >> 8), char(s.size() & 0xff)} + s; }

inline std::string mqttPacket(uint8_t first, const std::string& body) {
  std::string p(1, char(first));
  size_t n = body.size();
  do {
    uint8_t b = n % 128;
    n /= 128;
    p += char(n > 0 ? b | 0x80 : b);
  } while (n > 0);
  return p + body;
}

/** Whole packet length at `p` (n bytes available), 0 while the header is incomplete. */
inline size_t measure(bool mqtt, const uint8_t* p, size_t n) {
  if (!mqtt) return n < 5 ? 0 : 5 + ((size_t(p[3]) << 8) | p[4]);
  size_t length = 0, multiplier = 1;
  for (size_t i = 1; i <= 4; i++) {
    if (i >= n) return 0;
    length += (p[i] & 0x7f) * multiplier;
    if ((p[i] & 0x80) == 0) return 1 + i + length;
    multiplier *= 128;
  }
  return SIZE_MAX;  // malformed: the caller counts an error and drops the connection
}

}  // namespace loadgen
