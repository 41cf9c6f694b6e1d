// Implements test/arduino/*.h for the examples smoke run: a real clock, no pins, no Wi-Fi.
#include <time.h>

#include "Arduino.h"
#include "WiFi.h"

HostSerial Serial;
HostEsp ESP;
HostWiFi WiFi;

uint32_t millis() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint32_t>(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
uint32_t micros() { return millis() * 1000; }
void delay(uint32_t ms) {
  timespec ts = {static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}
void pinMode(uint8_t, uint8_t) {}
void digitalWrite(uint8_t, uint8_t) {}
int digitalRead(uint8_t) { return 0; }
int analogRead(uint8_t) { return 512; }
uint32_t esp_random() { return 12345; }

void setup();
void loop();

int main() {
  setup();
  uint32_t start = millis();
  int loops = 0;
  while (millis() - start < 300) {  // the sketch must keep looping: nothing may block
    loop();
    loops++;
  }
  printf("example ran %d loops in 300 ms\n", loops);
  return loops > 100 ? 0 : 1;
}
