// The library's constant strings (JSON keys, literals, envelope prefixes) kept in flash. On AVR
// (separate program memory) and ESP8266 (plain literals are copied to DRAM at boot) that needs
// PROGMEM and reads through pgmspace; elsewhere these are plain reads.
#ifndef HYPERTCP_FLASH_H
#define HYPERTCP_FLASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#define HYPERTCP_FLASH_STRINGS 1
#elif defined(ESP8266) || defined(HYPERTCP_USE_PGMSPACE)
#include <pgmspace.h>
#define HYPERTCP_FLASH_STRINGS 1
#endif

#if defined(HYPERTCP_FLASH_STRINGS)
#define HYPERTCP_FLASH PROGMEM
#define HYPERTCP_FSTR(s) PSTR(s)  // a string literal in flash
#else
#define HYPERTCP_FLASH
#define HYPERTCP_FSTR(s) (s)
#endif

namespace hypertcp {

// Pointers to HYPERTCP_FLASH data may only be read through these.
inline uint8_t flashByte(const char* p) {
#if defined(HYPERTCP_FLASH_STRINGS)
  return pgm_read_byte(p);
#else
  return static_cast<uint8_t>(*p);
#endif
}
inline void flashCopy(char* out, const char* flash, size_t length) {
#if defined(HYPERTCP_FLASH_STRINGS)
  memcpy_P(out, flash, length);
#else
  memcpy(out, flash, length);
#endif
}
inline bool flashEquals(const char* ram, const char* flash, size_t length) {
#if defined(HYPERTCP_FLASH_STRINGS)
  return memcmp_P(ram, flash, length) == 0;
#else
  return memcmp(ram, flash, length) == 0;
#endif
}
inline size_t flashLength(const char* flash) {
#if defined(HYPERTCP_FLASH_STRINGS)
  return strlen_P(flash);
#else
  return strlen(flash);
#endif
}

}  // namespace hypertcp

#endif
