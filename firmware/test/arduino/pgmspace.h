// Host stand-in for the ESP8266 core's <pgmspace.h>: flash is ordinary memory here, so the
// library's PROGMEM code paths compile and run unchanged (examples, the "pgmspace" test variant).
#ifndef HOST_PGMSPACE_H
#define HOST_PGMSPACE_H

#include <string.h>

#define PROGMEM
#define PSTR(s) (s)
#define pgm_read_byte(p) (*reinterpret_cast<const unsigned char*>(p))
#define memcpy_P memcpy
#define memcmp_P memcmp
#define strlen_P strlen

#endif
