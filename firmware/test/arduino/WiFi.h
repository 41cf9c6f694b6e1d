// Host stand-in for the ESP32 WiFi library. WiFiClient talks to a scripted broker in
// host_arduino.cpp: Wi-Fi is down for the first part of the run, then a broker accepts the
// login and sends one command, and everything the sketch writes is kept for the checks.
#ifndef HOST_WIFI_H
#define HOST_WIFI_H

#include "Arduino.h"
#include "Client.h"

#define WIFI_STA 1
#define WL_CONNECTED 3

class WiFiClient : public Client {
 public:
  int connect(const char* host, uint16_t port) override;
  size_t write(uint8_t b) override { return write(&b, 1); }
  size_t write(const uint8_t* buf, size_t size) override;
  int available() override;
  int read() override;
  int read(uint8_t* buf, size_t size) override;
  int peek() override { return -1; }
  void flush() override {}
  void stop() override;
  uint8_t connected() override;
  operator bool() override { return connected() != 0; }
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
