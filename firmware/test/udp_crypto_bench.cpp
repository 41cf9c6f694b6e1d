// Host benchmark of the UDP crypto (not a test: nothing is checked, timings vary by machine).
// Seals and opens a 256-byte payload behind a 13-byte header the way the device does it
// (sealDatagram/openDatagram: key schedule, GHASH key, CTR and tag per packet), and times the
// block function alone. Prints nanoseconds and TSC ticks per operation (x86 only).
// Build and run: make -C firmware udp-bench. With an argument N it only does N seal+open round
// trips, for counting instructions: valgrind --tool=callgrind build/udp-crypto-bench 1000
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define TICKS() __rdtsc()
#else
#define TICKS() 0ull
#endif

#include "udp/UdpWire.h"

using namespace hypertcp::udp;

namespace {
double nowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

volatile uint8_t sink;

template <typename Fn>
void measure(const char* what, int rounds, Fn fn) {
  for (int i = 0; i < rounds / 10; i++) fn(i);  // warm up
  double best = 1e30, bestTicks = 1e30;
  for (int pass = 0; pass < 5; pass++) {
    double t0 = nowNs();
    unsigned long long c0 = TICKS();
    for (int i = 0; i < rounds; i++) fn(i);
    double ticks = static_cast<double>(TICKS() - c0) / rounds;
    double ns = (nowNs() - t0) / rounds;
    if (ns < best) best = ns, bestTicks = ticks;
  }
  printf("%-44s %9.0f ns %9.0f ticks\n", what, best, bestTicks);
}
}  // namespace

int main(int argc, char** argv) {
  DirectionKey k;
  for (int i = 0; i < 32; i++) k.key[i] = static_cast<uint8_t>(i * 7 + 1);
  for (int i = 0; i < 12; i++) k.iv[i] = static_cast<uint8_t>(i * 3);
  static uint8_t plain[256], datagram[13 + 256 + 16], back[256];
  for (int i = 0; i < 256; i++) plain[i] = static_cast<uint8_t>(i);
  size_t length = 256;
  auto roundTrip = [&](int i) {
    size_t hl = encodeHeader(datagram, 0, 7, static_cast<uint64_t>(i), nullptr);
    size_t n = sealDatagram(k, static_cast<uint64_t>(i), datagram, hl, plain, length);
    Header h;
    size_t pl = 0;
    if (decodeHeader(datagram, n, h) != kHeaderOk || !openDatagram(k, datagram, n, h, back, pl) || pl != length)
      printf("bench: round trip failed\n");
    sink = back[i & 255];
  };
  if (argc > 1) {
    for (int i = 0, n = atoi(argv[1]); i < n; i++) roundTrip(i);
    return 0;
  }
  measure("seal+open 256 B (sealDatagram/openDatagram)", 20000, roundTrip);
  length = 64;
  measure("seal+open 64 B (sealDatagram/openDatagram)", 20000, roundTrip);
  Aes256Gcm gcm;
  gcm.setKey(k.key);
  uint8_t tag[16];
  measure("seal 256 B, key already set", 20000, [&](int i) {
    uint8_t nonce[12] = {static_cast<uint8_t>(i)};
    gcm.seal(nonce, datagram, 13, plain, 256, datagram + 13, tag);
    sink = tag[0];
  });
  measure("Aes256Gcm::setKey", 20000, [&](int i) {
    k.key[0] = static_cast<uint8_t>(i);
    gcm.setKey(k.key);
  });
  Aes256 aes;
  aes.setKey(k.key);
  uint8_t block[16] = {0};
  measure("Aes256::encryptBlock", 200000, [&](int) {
    aes.encryptBlock(block, block);
    sink = block[0];
  });
  return 0;
}
