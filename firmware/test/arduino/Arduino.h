// Host stand-in for the Arduino core, just enough to compile and smoke-run the examples on the
// host (test/examples_main.cpp). Not a simulation of any board.
#ifndef HOST_ARDUINO_H
#define HOST_ARDUINO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIGH 1
#define LOW 0
#define INPUT 0
#define OUTPUT 1
#define INPUT_PULLUP 2
#define A0 36

uint32_t millis();
uint32_t micros();
void delay(uint32_t ms);
void pinMode(uint8_t pin, uint8_t mode);
void digitalWrite(uint8_t pin, uint8_t value);
int digitalRead(uint8_t pin);
int analogRead(uint8_t pin);
uint32_t esp_random();
#if defined(ESP8266)
#define RANDOM_REG32 esp_random()
#endif

class HostSerial {
 public:
  void begin(unsigned long) {}
  void print(const char* s) { fputs(s, stdout); }
  void print(long v) { printf("%ld", v); }
  void print(double v) { printf("%.2f", v); }
  void println(const char* s = "") { puts(s); }
  void println(long v) { printf("%ld\n", v); }
  void println(double v) { printf("%.2f\n", v); }
  template <class... A>
  void printf(const char* f, A... a) { ::printf(f, a...); }
};
extern HostSerial Serial;

struct HostEsp {
  uint32_t getFreeHeap() { return 180000; }
};
extern HostEsp ESP;

#endif
