// Bare-metal compile/link check of the client with its UDP side on ESP8266's compiler
// (xtensa-lx106 -Os, like test/targets/bare_core.cpp): UdpLink over ArduinoUdpLink with a
// stand-in of the Arduino UDP class, so the template and every UDP source build for the target
// and the linked size can be compared with the TCP-only core. Step udp-xtensa (test/udp.mk).
#include "HyperTCP.h"
#include "udp/ArduinoUdpLink.h"
#include "udp/UdpLink.h"

struct NullTransport {
  bool connect(const char*, uint16_t) { return true; }
  hypertcp::ConnectStatus connectStatus() { return hypertcp::ConnectStatus::Connected; }
  int read(uint8_t*, size_t) { return 0; }
  int write(const uint8_t*, size_t n) { return static_cast<int>(n); }
  void close() {}
};

// The shape of WiFiUDP / IPAddress the link uses.
struct Address {
  uint32_t ip;
  bool operator==(const Address& o) const { return ip == o.ip; }
  bool fromString(const char* text) { return text[0] == '1' && (ip = 0x0A000002u) != 0; }
};
struct StubUdp {
  volatile int pending;
  uint8_t begin(uint16_t) { return 1; }
  void stop() {}
  int beginPacket(const Address&, uint16_t) { return 1; }
  size_t write(const uint8_t*, size_t n) { return n; }
  int endPacket() { return 1; }
  int parsePacket() { return pending; }
  int read(uint8_t*, size_t) { return 0; }
  Address remoteIP() const { return Address{0}; }
  uint16_t remotePort() const { return 0; }
};

// An Arduino core provides these (DatagramLink has a virtual destructor).
void operator delete(void*) noexcept {}
void operator delete(void*, size_t) noexcept {}

static volatile uint32_t ticks;
static uint32_t clockMs() { return ticks; }
static void onMessage(const hypertcp::Message& m, void*) { (void)m; }

static NullTransport transport;
static HyperTCPProtocol<NullTransport> client(transport);
static StubUdp wifiUdp;
static hypertcp::udp::ArduinoUdpLink<StubUdp, Address> datagrams(wifiUdp, Address{0x0A000001}, 0);
static hypertcp::udp::UdpLink udp(client, datagrams);

extern "C" void hypertcp_size_entry() {
  client.setClock(clockMs);
  client.setMessageHandler(onMessage);
  client.begin("token-0123456789", "broker", 8080);
  for (;;) {
    client.run();
    udp.send("server", "{\"t\":21}", hypertcp::udp::Delivery::Latest);
    udp.send("server", "{\"s\":1}", hypertcp::udp::Delivery::Reliable);
    ticks++;
  }
}
