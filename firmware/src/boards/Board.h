// Board detection for ESP32 / ESP8266 (and a generic fallback): the board name sent at login,
// the Wi-Fi header, and a few readings devices usually report as telemetry.
#ifndef HYPERTCP_BOARD_H
#define HYPERTCP_BOARD_H

#if defined(ARDUINO)
#include <Arduino.h>
#endif

#if defined(ESP32)
#include <WiFi.h>
#define HYPERTCP_BOARD_NAME "esp32"
#define HYPERTCP_HAS_WIFI 1
#elif defined(ESP8266)
#include <ESP8266WiFi.h>
#define HYPERTCP_BOARD_NAME "esp8266"
#define HYPERTCP_HAS_WIFI 1
#elif defined(ARDUINO_ARCH_AVR)
#define HYPERTCP_BOARD_NAME "avr"
#elif defined(ARDUINO)
#define HYPERTCP_BOARD_NAME "arduino"
#else
#define HYPERTCP_BOARD_NAME "host"
#endif

#include <stdint.h>

namespace hypertcp {
namespace board {

// Free heap in bytes, or 0 where unknown.
inline uint32_t freeHeap() {
#if defined(ESP32) || defined(ESP8266)
  return ESP.getFreeHeap();
#else
  return 0;
#endif
}

// Wi-Fi signal in dBm, or 0 without Wi-Fi.
inline long rssi() {
#if defined(HYPERTCP_HAS_WIFI)
  return WiFi.RSSI();
#else
  return 0;
#endif
}

}  // namespace board
}  // namespace hypertcp

#endif
