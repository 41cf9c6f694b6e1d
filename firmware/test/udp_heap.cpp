// Proves the client with its UDP side allocates nothing: login with a UDP grant, the session
// opened, 20,000 rounds of telemetry (UDP unreliable), state (UDP reliable), status-needing sends
// (TCP) and UDP deliveries to the handlers, plus TCP-session restarts that end and reopen the UDP
// session, all with malloc/new counted. Built without sanitizers (count_alloc.h).
#include <stdio.h>

#include "count_alloc.h"
#include "udp_rig.h"

using namespace udptest;

namespace {
int fail(const char* what) {
  printf("FAIL %s\n", what);
  return 1;
}

// A new TCP session on the same rig: the scripted broker closes, the client reconnects, logs in
// with a grant again and the broker-role peer starts over.
bool relogin(Rig& rig) {
  rig.tcp.peerClosed = true;
  rig.client.run();
  if (rig.udp.granted()) return false;  // the UDP session must end with the TCP one
  rig.toBroker.count = rig.toDevice.count = 0;
  rig.startBroker();
  test::now += rig.client.retryDelayMs();
  rig.client.run();
  rig.client.run();
  rig.tcp.pushStatus(1, hypertcp::Status::Success, kGrantReply);
  rig.client.run();
  rig.step(20);
  return rig.udp.up();
}
}  // namespace

int main() {
  if (!allocationCounterWorks()) return fail("allocation counter does not count");

  static Rig rig;
  if (!rig.loginAndOpen()) return fail("UDP session did not open");
  const char delivery[] = "{\"from\":\"server\",\"payload\":{\"cmd\":\"toggle\",\"control\":\"relay1\"}}";
  long rounds = 20000, udp = 0, tcp = 0, reopened = 0;
  counting = true;
  for (long i = 0; i < rounds; i++) {
    char text[64];
    int n = snprintf(text, sizeof text, "{\"telemetry\":{\"seq\":%ld}}", i);
    udp += rig.udp.send("server", text, static_cast<size_t>(n), Delivery::Latest) == Route::Udp;
    udp += rig.udp.send("server", "{\"state\":{\"relay1\":true}}", Delivery::Reliable) == Route::Udp;
    tcp += rig.udp.send("server", "{\"state\":{\"relay1\":true}}", Delivery::Acked) == Route::Tcp;
    if (i % 4 == 0) rig.broker.send(reinterpret_cast<const uint8_t*>(delivery), sizeof delivery - 1, kReliableOrdered, test::now);
    rig.step(1);
    rig.tcp.inLen = rig.tcp.inPos = 0;
    rig.tcp.dropOutput();
    if (i % 5000 == 4999) {
      if (!relogin(rig)) return counting = false, fail("UDP session did not reopen");
      reopened++;
    }
  }
  counting = false;
  printf("udp heap: %ld rounds, %ld sent over UDP, %ld over TCP, %u UDP deliveries handled, %ld UDP sessions reopened: %ld allocations\n",
         rounds, udp, tcp, rig.udp.receivedUdp(), reopened, static_cast<long>(allocations));
  if (udp != 2 * rounds || tcp != rounds || rig.client.messages < rounds / 4 - 10 || reopened != 4) return fail("exchange did not run");
  if (allocations != 0) return fail("the client or its UDP side allocated on the heap");
  printf("ok   zero heap allocations with UDP\n");
  return 0;
}
