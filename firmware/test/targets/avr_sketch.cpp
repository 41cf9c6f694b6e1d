// AVR (Arduino Uno) compile check: the Client adapter and the whole client against the real
// Arduino core's Client.h, linked with the real core. With HYPERTCP_BASELINE defined the same
// sketch runs without HyperTCP, so `make size` can report what the library adds.
#include <Arduino.h>
#include <Client.h>

// A stand-in network client: the check is about compiling and linking against Client.h.
class LoopbackClient : public Client {
 public:
  int connect(IPAddress, uint16_t) override { return 0; }
  int connect(const char*, uint16_t) override { return open_ = true; }
  size_t write(uint8_t) override { return 1; }
  size_t write(const uint8_t*, size_t size) override { return size; }
  int available() override { return 0; }
  int read() override { return -1; }
  int read(uint8_t*, size_t) override { return 0; }
  int peek() override { return -1; }
  void flush() override {}
  void stop() override { open_ = false; }
  uint8_t connected() override { return open_; }
  operator bool() override { return open_; }

 private:
  bool open_ = false;
};

LoopbackClient net;

#if defined(HYPERTCP_BASELINE)
void setup() { net.connect("broker", 8080); }
void loop() {
  uint8_t b[8];
  if (net.available()) net.read(b, sizeof b);
  net.write(b, 0);
}
#else
#include <HyperTCP.h>

static const hypertcp::Control kControls[] = {hypertcp::relay("relay1", "Lamp")};
static const hypertcp::DeviceInfo kDevice = {"uno", "1.0.0", HYPERTCP_BOARD_NAME, kControls, 1, nullptr, 0};
HyperTCPTransport<LoopbackClient> transport(net);
HyperTCPProtocol<HyperTCPTransport<LoopbackClient>> hyper(transport);

void onMessage(const hypertcp::Message& m, void*) { hyper.sendToServer(m.payload, m.length); }

void setup() {
  hyper.setDevice(&kDevice);
  hyper.setMessageHandler(onMessage);
  hyper.begin("token-0123456789", "broker", 8080);
}
void loop() {
  hyper.run();
  if (hyper.connected()) hyper.broadcastMessage("{\"alive\":true}");
}
#endif
