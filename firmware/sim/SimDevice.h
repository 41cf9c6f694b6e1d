// One simulated device: the real library client over a POSIX socket, plus the behaviour of its
// kind (docs/PROTOCOL.md section 8). Relays answer toggle/set commands with a state report;
// sensors send telemetry at a rate and answer {"cmd":"read"}.
#ifndef HYPERTCP_SIM_DEVICE_H
#define HYPERTCP_SIM_DEVICE_H

#include <stdint.h>

#include "HyperTCP.h"
#include "udp/PosixUdpLink.h"
#include "udp/UdpLink.h"

namespace sim {

enum class Kind : uint8_t { Relay, Sensor };

struct Options {
  const char* host;
  uint16_t port;
  bool legacy;
  bool quiet;
  bool udp;             // ask for UDP at login; telemetry unreliable, replies reliable over UDP
  double rate;          // sensor telemetry messages per second (0: none)
  unsigned payload;     // pad telemetry payloads to at least this many bytes
};

// Counters across all devices, for --count and the summary line.
struct Totals {
  unsigned long sent, received, acked, refused, sendFailures, sentUdp;
};

struct TransportHolder {  // constructed before the client that keeps a reference to it
  hypertcp::PosixTransport socket_;
};

class Device : private TransportHolder, public HyperTCPProtocol<hypertcp::PosixTransport> {
 public:
  static const uint8_t kRelays = 2;
  static const size_t kMaxPayload = 65535;

  Device(Kind kind, const char* id, const char* token, const Options& options, Totals& totals);
  void start();
  // Runs the client and the device's own schedule; returns ms until it wants to run again.
  uint32_t tick(uint32_t now);
  int fd() const { return socket_.fd(); }
  int udpFd() const { return datagrams_.fd(); }
  bool wantsWrite() const { return state() == hypertcp::State::Connecting || txPending() > 0; }
  const char* id() const { return id_; }

  void onMessageReceived(const char* from, const char* payload, size_t length) override;
  void onBroadcastMessage(const char* from, const char* payload, size_t length) override;
  void onConnected() override;
  void onDisconnected(hypertcp::Error reason) override;
  void onError(hypertcp::Error error) override;
  void onAck(uint16_t msgId, uint8_t status) override;

 private:
  static void onEvent(const hypertcp::Event& event, void* self);
  void handleCommand(const char* payload, size_t length);
  void forward(const char* cmd, const char* payload, size_t length);
  void reportState(const char* reqJson, size_t reqLength, const char* error);
  bool sendTelemetry();
  bool send(const char* json, size_t length, const char* what);
  bool route(const char* target, const char* json, size_t length, hypertcp::udp::Delivery delivery);
  void reportUdp();

  Kind kind_;
  char id_[hypertcp::kMaxIdLength + 1];
  char token_[HYPERTCP_MAX_TOKEN_LENGTH + 1];
  const Options& options_;
  Totals& totals_;
  hypertcp::DeviceInfo info_;
  bool relays_[kRelays];
  double temperature_;
  unsigned long seq_;
  uint32_t startedAt_, nextTelemetry_;
  hypertcp::Error telemetryError_;  // of the last telemetry sample (None: it went), printed once
  hypertcp::udp::PosixUdpLink datagrams_;
  hypertcp::udp::UdpLink udp_;  // after the client base: it attaches itself to it
  bool udpWasUp_;
  const char* via_;  // route of the last send, for the printed line
};

}  // namespace sim

#endif
