// Host benchmark of the UDP crypto (not a test: nothing is checked, timings vary by machine).
// Seals and opens 256- and 64-byte payloads behind a 13-byte header the way the device does it
// (sealDatagram/openDatagram with the session's SessionKey: the key schedule expanded once, CTR,
// GHASH and the tag per packet), the same with a DirectionKey (the key schedule expanded per
// packet, as before HYPERTCP_UDP_KEY_CACHE and with it 0), and times the block function alone.
// Prints nanoseconds and TSC ticks per operation (x86 only).
// Build and run: make -C firmware udp-bench. With an argument N it only does N seal+open round
// trips, for counting instructions: valgrind --tool=callgrind build/udp-crypto-bench 1000
// [cached|uncached [LENGTH]] (the cached key and 256 bytes by default)
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
uint8_t plain[256], datagram[13 + 256 + 16], back[256];
size_t length = 256;

// One datagram sealed and opened again, with packet number i.
template <class Key>
void roundTrip(const Key& key, int i) {
  size_t hl = encodeHeader(datagram, 0, 7, static_cast<uint64_t>(i), nullptr);
  size_t n = sealDatagram(key, static_cast<uint64_t>(i), datagram, hl, plain, length);
  Header h;
  size_t pl = 0;
  if (decodeHeader(datagram, n, h) != kHeaderOk || !openDatagram(key, datagram, n, h, back, pl) || pl != length)
    printf("bench: round trip failed\n");
  sink = back[i & 255];
}

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
  for (int i = 0; i < 256; i++) plain[i] = static_cast<uint8_t>(i);
  SessionKey session;
  session.set(k);
  auto cached = [&](int i) { roundTrip(session, i); };
  auto perDatagram = [&](int i) { roundTrip(k, i); };
  if (argc > 1) {  // N cached round trips; then "uncached" for the per-datagram key schedule, a length
    bool uncached = argc > 2 && strcmp(argv[2], "uncached") == 0;
    if (argc > 3) length = static_cast<size_t>(atoi(argv[3])) % 257;
    for (int i = 0, n = atoi(argv[1]); i < n; i++) uncached ? perDatagram(i) : cached(i);
    return 0;
  }
  measure("seal+open 256 B (SessionKey, cached schedule)", 20000, cached);
  measure("seal+open 256 B (DirectionKey, per datagram)", 20000, perDatagram);
  length = 64;
  measure("seal+open 64 B (SessionKey, cached schedule)", 20000, cached);
  measure("seal+open 64 B (DirectionKey, per datagram)", 20000, perDatagram);
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
