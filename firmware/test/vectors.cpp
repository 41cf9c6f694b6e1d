#include "vectors.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HYPERTCP_VECTORS_DEFAULT
#define HYPERTCP_VECTORS_DEFAULT "../shared/protocol/vectors.txt"
#endif

namespace {
void trimCopy(char* out, size_t size, const char* start, const char* end) {
  while (start < end && isspace(static_cast<unsigned char>(*start))) start++;
  while (end > start && isspace(static_cast<unsigned char>(end[-1]))) end--;
  size_t n = static_cast<size_t>(end - start);
  if (n >= size) n = size - 1;
  memcpy(out, start, n);
  out[n] = '\0';
}

bool parseHex(const char* text, uint8_t* out, size_t max, size_t& length) {
  length = 0;
  if (strcmp(text, "-") == 0) return true;
  const char* p = text;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    if (!isxdigit(static_cast<unsigned char>(p[0])) || !isxdigit(static_cast<unsigned char>(p[1]))) return false;
    if (length >= max) return false;
    char pair[3] = {p[0], p[1], 0};
    out[length++] = static_cast<uint8_t>(strtoul(pair, nullptr, 16));
    p += 2;
  }
  return true;
}
}  // namespace

int loadVectors(Vector* out, int max) {
  const char* path = getenv("HYPERTCP_VECTORS");
  if (!path || !*path) path = HYPERTCP_VECTORS_DEFAULT;
  FILE* file = fopen(path, "r");
  if (!file) {
    fprintf(stderr, "cannot open golden vectors at %s\n", path);
    return -1;
  }
  static char line[8192];
  static char hex[4096];
  int count = 0, lineNo = 0;
  while (fgets(line, sizeof line, file)) {
    lineNo++;
    const char* p = line;
    while (isspace(static_cast<unsigned char>(*p))) p++;
    if (*p == '#' || *p == '\0') continue;
    const char* fields[5] = {p, nullptr, nullptr, nullptr, nullptr};
    int n = 1;
    for (const char* q = p; *q && n < 5; q++)
      if (*q == '|') fields[n++] = q + 1;
    if (n < 4 || count >= max) {
      fprintf(stderr, "vectors.txt:%d: malformed or too many vectors\n", lineNo);
      fclose(file);
      return -1;
    }
    Vector& v = out[count];
    trimCopy(v.kind, sizeof v.kind, fields[0], fields[1] - 1);
    trimCopy(v.name, sizeof v.name, fields[1], fields[2] - 1);
    trimCopy(hex, sizeof hex, fields[2], fields[3] - 1);
    const char* expectEnd = n >= 5 ? fields[4] - 1 : fields[3] + strlen(fields[3]);
    trimCopy(v.expect, sizeof v.expect, fields[3], expectEnd);
    v.line = lineNo;
    if (!parseHex(hex, v.bytes, sizeof v.bytes, v.length)) {
      fprintf(stderr, "vectors.txt:%d: bad hex\n", lineNo);
      fclose(file);
      return -1;
    }
    count++;
  }
  fclose(file);
  return count;
}

const char* expectField(const char* expect, const char* key) {
  static char value[64];
  size_t keyLength = strlen(key);
  const char* p = expect;
  while (*p) {
    while (*p == ' ') p++;
    const char* end = p;
    while (*end && *end != ' ') end++;
    if (static_cast<size_t>(end - p) >= keyLength && strncmp(p, key, keyLength) == 0 &&
        (p[keyLength] == '=' || p + keyLength == end)) {
      const char* v = p[keyLength] == '=' ? p + keyLength + 1 : end;
      size_t n = static_cast<size_t>(end - v);
      if (n >= sizeof value) n = sizeof value - 1;
      memcpy(value, v, n);
      value[n] = '\0';
      return value;
    }
    p = end;
  }
  return nullptr;
}
