// Host stand-in for WiFiClientSecure (ESP32's, and ESP8266's BearSSL one): the scripted broker of
// WiFiClient (no TLS on the host), with the calls the examples make to pin the broker.
#ifndef HOST_WIFI_CLIENT_SECURE_H
#define HOST_WIFI_CLIENT_SECURE_H

#include "WiFi.h"

class WiFiClientSecure : public WiFiClient {
 public:
  void setCACert(const char* pem) { pinned = pem; }           // ESP32: the certificate, PEM
  bool setFingerprint(const char* sha1) { return (pinned = sha1) != nullptr; }  // ESP8266: SHA-1
  int connect(const char* host, uint16_t port) override { return pinned ? WiFiClient::connect(host, port) : 0; }

 private:
  const char* pinned = nullptr;  // nothing pinned: refuse, as a real client would fail to verify
};

#endif
