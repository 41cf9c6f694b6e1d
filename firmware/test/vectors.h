// Reads shared/protocol/vectors.txt, the golden vectors the TypeScript tests read too.
// Path: $HYPERTCP_VECTORS, else the path the Makefile compiled in.
#ifndef HYPERTCP_TEST_VECTORS_H
#define HYPERTCP_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

struct Vector {
  char kind[16];
  char name[64];
  uint8_t bytes[512];
  size_t length;
  char expect[128];
  int line;
};

// Loads every vector into out (up to max); returns the count, or -1 when the file is missing or
// malformed (after printing why).
int loadVectors(Vector* out, int max);

// Value of key in an expectation like "ok type=30 id=7 len=12"; "" for a bare word that is
// present, nullptr when absent. Uses a static buffer.
const char* expectField(const char* expect, const char* key);

#endif
