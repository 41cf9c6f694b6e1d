// A UDP device on POSIX for the cross-language test (electron/udp/interop.test.ts): it opens the
// session the TypeScript broker granted, sends COUNT reliable envelopes to "server", prints every
// message it receives, and exits 0 once all its messages were acknowledged and it received COUNT.
//   udp_device_main HOST PORT SID BROKER_NONCE_HEX TOKEN COUNT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "udp/PosixUdpLink.h"

using namespace hypertcp::udp;

namespace {
int received = 0, delivered = 0, failed = 0;

uint32_t millisNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint32_t>(ts.tv_sec * 1000u + ts.tv_nsec / 1000000u);
}

void onMessage(void*, const uint8_t* data, size_t length, uint8_t channel) {
  received++;
  printf("message ch=%u %.*s\n", channel, static_cast<int>(length), reinterpret_cast<const char*>(data));
}

void onDone(void*, uint32_t, bool ok) { ok ? delivered++ : failed++; }
}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s HOST PORT SID BROKER_NONCE_HEX TOKEN COUNT\n", argv[0]);
    return 2;
  }
  PosixUdpLink link;
  if (!link.open(argv[1], static_cast<uint16_t>(atoi(argv[2])))) return fprintf(stderr, "cannot open socket\n"), 1;
  uint8_t deviceNonce[16];
  FILE* random = fopen("/dev/urandom", "rb");
  if (!random || fread(deviceNonce, 1, 16, random) != 16) return fprintf(stderr, "no randomness\n"), 1;
  fclose(random);
  static UdpPeer peer;
  if (!peer.beginFromLogin(&link, static_cast<uint32_t>(strtoul(argv[3], nullptr, 10)), argv[4], argv[5], deviceNonce, millisNow()))
    return fprintf(stderr, "bad login grant\n"), 1;
  peer.onMessage(onMessage, nullptr);
  peer.onDone(onDone, nullptr);
  const int count = atoi(argv[6]);
  int sent = 0;
  uint32_t deadline = millisNow() + 15000;
  while (millisNow() < deadline && !peer.closed()) {
    uint32_t now = millisNow();
    peer.loop(now);
    while (peer.established() && sent < count && peer.freeSlots() > 0) {
      char msg[96];
      int n = snprintf(msg, sizeof msg, "{\"targetId\":\"server\",\"payload\":{\"n\":%d}}", sent);
      if (!peer.send(reinterpret_cast<const uint8_t*>(msg), static_cast<size_t>(n), kReliableOrdered, now)) break;
      sent++;
    }
    if (delivered == count && received >= count) break;
    usleep(500);
  }
  const UdpCounters& c = peer.counters();
  printf("done sent=%d delivered=%d failed=%d received=%d packets=%u/%u retransmits=%u idle_duplicates=%u lost=%u spurious_retransmits=%u "
         "auth_failures=%u closed=%s\n",
         sent, delivered, failed, received, c.packetsSent, c.packetsReceived, c.retransmits, c.idleDuplicates, c.lost,
         c.spuriousRetransmits, c.authFailures, peer.closed() ? peer.closeReason() : "no");
  fflush(stdout);
  return delivered == count && received >= count ? 0 : 1;
}
