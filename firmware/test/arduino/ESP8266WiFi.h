// Host stand-in for the ESP8266WiFi library: the same classes as the ESP32 stand-in.
#ifndef HOST_ESP8266WIFI_H
#define HOST_ESP8266WIFI_H
#include "WiFi.h"
#endif
