// malloc, calloc, realloc and operator new replaced by versions that count calls while `counting`
// is set. Include in exactly one file of a binary built without sanitizers (they replace malloc).
#ifndef HYPERTCP_TEST_COUNT_ALLOC_H
#define HYPERTCP_TEST_COUNT_ALLOC_H

#include <new>
#include <stdlib.h>

extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void __libc_free(void*);

namespace {
volatile long allocations = 0;
bool counting = false;
}  // namespace

extern "C" void* malloc(size_t n) {
  if (counting) allocations = allocations + 1;
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t a, size_t b) {
  if (counting) allocations = allocations + 1;
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, size_t n) {
  if (counting) allocations = allocations + 1;
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) { __libc_free(p); }
void* operator new(size_t n) {
  if (counting) allocations = allocations + 1;
  void* p = __libc_malloc(n ? n : 1);
  if (!p) abort();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }

// The counter itself must work, or a zero proves nothing. Leaves the count at 0.
inline bool allocationCounterWorks() {
  counting = true;
  int* probe = new int(7);
  counting = false;
  delete probe;
  bool works = allocations == 1;
  allocations = 0;
  return works;
}

#endif
