// For the ESP8266 size measurement: PROGMEM as the ESP8266 Arduino core defines it (data in the
// flash-mapped .irom.text section, read with aligned 32-bit loads). The _P functions live in the
// core's libc there; test/targets/bare_runtime.cpp supplies small ones so their size is counted.
#ifndef BARE_PGMSPACE_H
#define BARE_PGMSPACE_H

#include <stddef.h>
#include <stdint.h>

#define PROGMEM __attribute__((section(".irom.text")))
#define PSTR(s) (__extension__({ static const char c_[] __attribute__((aligned(4))) PROGMEM = (s); &c_[0]; }))

static inline uint8_t pgm_read_byte_inline(const void* addr) {
  uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  uint32_t word = *reinterpret_cast<const volatile uint32_t*>(a & ~static_cast<uintptr_t>(3));
  return static_cast<uint8_t>(word >> ((a & 3) * 8));
}
#define pgm_read_byte(addr) pgm_read_byte_inline(addr)

extern "C" {
void* memcpy_P(void* dest, const void* src, size_t n);
int memcmp_P(const void* a, const void* b, size_t n);
size_t strlen_P(const char* s);
}

#endif
