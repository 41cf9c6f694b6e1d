// What a v2 device tells the broker at login, so the panel can draw its controls and telemetry.
// Everything is pointers to the sketch's own data (keep it alive, e.g. static): nothing is copied.
//   static const hypertcp::Control kControls[] = {hypertcp::relay("relay1", "Lamp")};
//   static const hypertcp::DeviceInfo kDevice = {"lamp", "1.0.0", HYPERTCP_BOARD_NAME,
//                                                kControls, HYPERTCP_COUNT(kControls), nullptr, 0};
#ifndef HYPERTCP_DEVICE_INFO_H
#define HYPERTCP_DEVICE_INFO_H

#include <stdint.h>

#define HYPERTCP_COUNT(array) static_cast<uint8_t>(sizeof(array) / sizeof((array)[0]))

namespace hypertcp {

enum class ControlKind : uint8_t { Relay, Switch, Button, Slider, Select };

const char* controlKindName(ControlKind kind);

struct Control {
  const char* id;     // 1-32 of [A-Za-z0-9_.-]
  ControlKind kind;
  const char* label;  // optional
  long min, max;      // slider range; written only when min != max
  long step;          // written when not 0
  const char* const* options;  // select options
  uint8_t optionCount;
};

struct Telemetry {
  const char* id;     // 1-32 of [A-Za-z0-9_.-]
  const char* unit;   // optional
  const char* label;  // optional
};

// Builders, so sketches need not spell every field (constexpr: a static table of them is
// plain constant data, with no start-up code):
//   static const hypertcp::Control kControls[] = {hypertcp::relay("relay1", "Lamp")};
constexpr Control control(const char* id, ControlKind kind, const char* label = nullptr) {
  return Control{id, kind, label, 0, 0, 0, nullptr, 0};
}
constexpr Control relay(const char* id, const char* label = nullptr) { return control(id, ControlKind::Relay, label); }
constexpr Control slider(const char* id, long min, long max, long step = 1, const char* label = nullptr) {
  return Control{id, ControlKind::Slider, label, min, max, step, nullptr, 0};
}
constexpr Control selector(const char* id, const char* const* options, uint8_t count, const char* label = nullptr) {
  return Control{id, ControlKind::Select, label, 0, 0, 0, options, count};
}
constexpr Telemetry telemetry(const char* id, const char* unit = nullptr, const char* label = nullptr) {
  return Telemetry{id, unit, label};
}

struct DeviceInfo {
  const char* name;   // display hint; identity comes from the token
  const char* fw;     // firmware version
  const char* board;
  const Control* controls;
  uint8_t controlCount;     // at most 32
  const Telemetry* telemetry;
  uint8_t telemetryCount;   // at most 32
};

}  // namespace hypertcp

#endif
