// What a v2 device tells the broker at login, so the panel can draw its controls and telemetry.
// Everything is pointers to the sketch's own constant data: nothing is copied.
//   static const hypertcp::Control kControls[] = {{"relay1", hypertcp::ControlKind::Relay, "Lamp"}};
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
