// The dead-stack search of the wipe tests (udp_wipe_test.cpp, udp_wipe_gcm_test.cpp): scrub() zeroes
// a large stack area; the operation runs (its frames land in that area); then deadStackHolds()
// overlays the same area with an uninitialised array and searches it for a secret, which the test
// keeps in a global so that the only copies on the stack are the ones the code under test left.
// Call both straight from the test function, at the depth of the call under test: a helper's own
// frame would overwrite the top of the dead stack it is meant to search.
// Link the test binaries with -Wl,-z,now (test/udp.mk does). With lazy binding, the first call of
// a libc function from the code under test (strlen in beginFromLogin) runs the dynamic linker's
// resolver, which saves every vector register on the stack (_dl_runtime_resolve_xsavec), and those
// still held what the test had just computed (the token's end, the s2d key): found there at -O1,
// -O2 and -Os without the library having leaked them. The devices link statically.
#ifndef HYPERTCP_TEST_UDP_DEAD_STACK_H
#define HYPERTCP_TEST_UDP_DEAD_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

namespace udptest {
namespace {

const size_t kArea = 32768;

__attribute__((noinline)) void scrub() {
  volatile uint8_t area[kArea];
  for (size_t i = 0; i < kArea; i++) area[i] = 0;
  (void)area[0];
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// True when the n bytes at needle (not on the stack) appear in the dead stack below the caller.
__attribute__((noinline)) bool deadStackHolds(const uint8_t* needle, size_t n) {
  volatile uint8_t area[kArea];  // not initialised on purpose: it holds what the last calls left
  for (size_t i = 0; i + n <= kArea; i++) {
    size_t k = 0;
    while (k < n && area[i + k] == needle[k]) k++;
    if (k == n) return true;
  }
  return false;
}
#pragma GCC diagnostic pop

// The control: copies the secret into a frame a few hundred bytes down (like the real functions,
// which run a few calls deep) and returns without wiping.
__attribute__((noinline)) uint8_t leaveCopy(const uint8_t* secret, size_t n) {
  volatile uint8_t copy[64];
  for (size_t i = 0; i < n; i++) copy[i] = secret[i];
  return copy[0];
}
__attribute__((noinline)) uint8_t leaveCopyDeeper(const uint8_t* secret, size_t n) {
  volatile uint8_t pad[512];
  pad[0] = leaveCopy(secret, n);
  return pad[0];
}

// What one test's searches found, reported when the test ends (the destructor), after every
// search has run: so one run names every leak. Reporting a leak at once (CHECK's fprintf, many
// frames deep) would write over the dead stack the next searches look at and hide what they would
// find. Declare one at the top of the test; EXPECT_OFF_DEAD_STACK records into it without a call.
struct DeadStackLeaks {
  struct Leak {
    const char* what;
    const char* file;
    int line;
    const uint8_t* needle;
    size_t n;
  };
  static const int kKept = 32;
  Leak kept[kKept];
  int count = 0;
  ~DeadStackLeaks() {
    for (int i = 0; i < count && i < kKept; i++) {
      char message[160];
      int at = snprintf(message, sizeof message, "left on the dead stack: %s (", kept[i].what);
      for (size_t k = 0; k < kept[i].n && k < 8 && at > 0 && at < 140; k++)
        at += snprintf(message + at, sizeof message - static_cast<size_t>(at), "%s%02x", k ? " " : "", kept[i].needle[k]);
      snprintf(message + at, sizeof message - static_cast<size_t>(at), "%s)", kept[i].n > 8 ? " ..." : "");
      check::fail(kept[i].file, kept[i].line, message);
    }
    if (count > kKept) check::failEq(kept[kKept - 1].file, kept[kKept - 1].line, "more leaks than DeadStackLeaks keeps", count, kKept);
  }
};

// Searches the dead stack for the n bytes at needle; a find is noted in leaks, reported at the end
// of the test. A macro, not a function: a helper's own frame would land on the dead stack.
#define EXPECT_OFF_DEAD_STACK(leaks, needle, n)                                                 \
  do {                                                                                         \
    if (udptest::deadStackHolds(needle, n) && (leaks).count++ < udptest::DeadStackLeaks::kKept) \
      (leaks).kept[(leaks).count - 1] = {#needle, __FILE__, __LINE__, needle, n};               \
  } while (0)

void fill(uint8_t* p, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; i++) p[i] = static_cast<uint8_t>(seed + 37 * i + (i >> 3));
}
}  // namespace
}  // namespace udptest

#endif
