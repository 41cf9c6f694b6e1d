#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace check {
namespace {
struct Entry {
  const char* name;
  TestFn fn;
};
Entry entries[256];
int count = 0;
int failures = 0;
const char* current = "";
}  // namespace

Registrar::Registrar(const char* name, TestFn fn) {
  if (count >= 256) abort();
  entries[count].name = name;
  entries[count].fn = fn;
  count++;
}

void fail(const char* file, int line, const char* expression) {
  fprintf(stderr, "FAIL %s (%s:%d): %s\n", current, file, line, expression);
  failures++;
}

void failEq(const char* file, int line, const char* expression, long long a, long long b) {
  fprintf(stderr, "FAIL %s (%s:%d): %s  (%lld vs %lld)\n", current, file, line, expression, a, b);
  failures++;
}

void failStr(const char* file, int line, const char* expression, const char* a, const char* b) {
  fprintf(stderr, "FAIL %s (%s:%d): %s  (\"%s\" vs \"%s\")\n", current, file, line, expression, a ? a : "(null)",
          b ? b : "(null)");
  failures++;
}

bool same(const char* a, const char* b) { return a && b ? strcmp(a, b) == 0 : a == b; }

}  // namespace check

int main() {
  using namespace check;
  for (int i = 0; i < count; i++) {
    current = entries[i].name;
    int before = failures;
    entries[i].fn();
    printf("%s %s\n", failures == before ? "ok  " : "FAIL", current);
  }
  printf("%d tests, %d failed checks\n", count, failures);
  return failures == 0 && count > 0 ? 0 : 1;
}
