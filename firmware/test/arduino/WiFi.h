// Host stand-in for the ESP32 WiFi library: Wi-Fi never connects, so the examples exercise
// their offline path (the client backs off and retries).
#ifndef HOST_WIFI_H
#define HOST_WIFI_H

#include "Arduino.h"
#include "Client.h"

#define WIFI_STA 1
#define WL_CONNECTED 3

class WiFiClient : public Client {
 public:
  int connect(const char*, uint16_t) override { return 0; }
  size_t write(uint8_t) override { return 0; }
  size_t write(const uint8_t*, size_t) override { return 0; }
  int available() override { return 0; }
  int read() override { return -1; }
  int read(uint8_t*, size_t) override { return -1; }
  int peek() override { return -1; }
  void flush() override {}
  void stop() override {}
  uint8_t connected() override { return 0; }
  operator bool() override { return false; }
  void setNoDelay(bool) {}
};

class HostWiFi {
 public:
  void mode(int) {}
  void begin(const char*, const char*) {}
  int status() { return 0; }
  long RSSI() { return -60; }
};
extern HostWiFi WiFi;

#endif
