// The little a freestanding C++ link needs that an Arduino core would provide.
extern "C" void __cxa_pure_virtual() {
  for (;;) {
  }
}

#if defined(HYPERTCP_USE_PGMSPACE)
// The ESP8266 core's pgmspace functions, in their simplest form (byte reads from flash).
#include <pgmspace.h>

extern "C" void* memcpy_P(void* dest, const void* src, size_t n) {
  uint8_t* d = static_cast<uint8_t*>(dest);
  const uint8_t* s = static_cast<const uint8_t*>(src);
  while (n--) *d++ = pgm_read_byte(s++);
  return dest;
}

extern "C" int memcmp_P(const void* a, const void* b, size_t n) {
  const uint8_t* x = static_cast<const uint8_t*>(a);
  const uint8_t* y = static_cast<const uint8_t*>(b);
  for (; n--; x++, y++) {
    uint8_t c = pgm_read_byte(y);
    if (*x != c) return *x < c ? -1 : 1;
  }
  return 0;
}

extern "C" size_t strlen_P(const char* s) {
  size_t n = 0;
  while (pgm_read_byte(s + n)) n++;
  return n;
}
#endif
