#include "Platform.h"

#if defined(ARDUINO)
#include <Arduino.h>
#if defined(ESP32) && defined(__has_include)
#if __has_include(<esp_random.h>)  // ESP-IDF 5 (Arduino-ESP32 3.x) moved esp_random() here
#include <esp_random.h>
#endif
#endif
#elif defined(__unix__) || defined(__APPLE__)
#include <time.h>
#include <unistd.h>
#define HYPERTCP_POSIX_PLATFORM 1
#endif

namespace hypertcp {

#if defined(ARDUINO)

uint32_t platformMillis() { return millis(); }
void platformSleepMs(uint32_t ms) { delay(ms); }  // also feeds the ESP watchdog
uint32_t platformRandomSeed() {
#if defined(ESP32)
  return esp_random();
#elif defined(ESP8266)
  return RANDOM_REG32;
#else
  return static_cast<uint32_t>(micros()) ^ (static_cast<uint32_t>(analogRead(0)) << 16);
#endif
}

#elif defined(HYPERTCP_POSIX_PLATFORM)

uint32_t platformMillis() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint32_t>(static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u);
}
void platformSleepMs(uint32_t ms) {
  timespec ts = {static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000L)};
  nanosleep(&ts, nullptr);
}
uint32_t platformRandomSeed() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint32_t>(ts.tv_nsec) ^ (static_cast<uint32_t>(getpid()) << 16) ^ static_cast<uint32_t>(ts.tv_sec);
}

#else  // bare targets (size checks, custom ports): inject a clock with setClock()

uint32_t platformMillis() { return 0; }
void platformSleepMs(uint32_t) {}
uint32_t platformRandomSeed() { return 0x2545F491u; }

#endif

}  // namespace hypertcp
