// Bare-metal size/compile check of the protocol core (ESP8266's xtensa-lx106 compiler, -Os): the
// client with every feature reachable, over a minimal transport. No Arduino core exists here,
// so the clock is injected and the entry point is a plain function.
#include "HyperTCP.h"

struct NullTransport {
  bool connect(const char*, uint16_t) { return true; }
  hypertcp::ConnectStatus connectStatus() { return hypertcp::ConnectStatus::Connected; }
  int read(uint8_t*, size_t) { return 0; }
  int write(const uint8_t*, size_t n) { return static_cast<int>(n); }
  void close() {}
};

static volatile uint32_t ticks;
static uint32_t clockMs() { return ticks; }
static void onMessage(const hypertcp::Message& m, void*) { (void)m; }
static void onEvent(const hypertcp::Event& e, void*) { (void)e; }

static const hypertcp::Control kControls[] = {hypertcp::relay("relay1", "Lamp")};
static const hypertcp::Telemetry kTelemetry[] = {hypertcp::telemetry("temp", "C")};
static const hypertcp::DeviceInfo kDevice = {"node", "1.0.0", HYPERTCP_BOARD_NAME, kControls, 1, kTelemetry, 1};

static NullTransport transport;
static HyperTCPProtocol<NullTransport> client(transport);

extern "C" void hypertcp_size_entry() {
  client.setClock(clockMs);
  client.setDevice(&kDevice);
  client.setMessageHandler(onMessage);
  client.setBroadcastHandler(onMessage);
  client.setEventHandler(onEvent);
  client.begin("token-0123456789", "broker", 8080);
  for (;;) {
    client.run();
    client.sendToServer("{\"t\":21}");
    client.broadcastMessage("{}");
    ticks++;
  }
}
