#include "SimDevice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace sim {
namespace {
const hypertcp::Control kRelayControls[Device::kRelays] = {
    {"relay1", hypertcp::ControlKind::Relay, "Relay 1", 0, 0, 0, nullptr, 0},
    {"relay2", hypertcp::ControlKind::Relay, "Relay 2", 0, 0, 0, nullptr, 0},
};
const hypertcp::Telemetry kSensorTelemetry[] = {
    {"temp", "C", "Temperature"}, {"humidity", "%", "Humidity"}, {"rssi", "dBm", "Signal"},
    {"heap", "B", "Free heap"},   {"uptime", "s", "Uptime"},
};

void copyText(char* out, size_t size, const char* text) {
  snprintf(out, size, "%s", text);
}
}  // namespace

Device::Device(Kind kind, const char* id, const char* token, const Options& options, Totals& totals)
    : HyperTCPProtocol<hypertcp::PosixTransport>(socket_),
      kind_(kind),
      options_(options),
      totals_(totals),
      temperature_(21.5),
      seq_(0),
      startedAt_(0),
      nextTelemetry_(0),
      telemetryError_(hypertcp::Error::None),
      udp_(*this, datagrams_),
      udpWasUp_(false),
      via_("") {
  copyText(id_, sizeof id_, id);
  copyText(token_, sizeof token_, token);
  memset(relays_, 0, sizeof relays_);
  bool relay = kind == Kind::Relay;
  hypertcp::DeviceInfo info = {id_,
                               "sim-1.0.0",
                               "sim",
                               relay ? kRelayControls : nullptr,
                               relay ? kRelays : static_cast<uint8_t>(0),
                               relay ? nullptr : kSensorTelemetry,
                               relay ? static_cast<uint8_t>(0) : HYPERTCP_COUNT(kSensorTelemetry)};
  info_ = info;
  setDevice(&info_);
  setLegacyLogin(options.legacy);
  setEventHandler(onEvent, this);
  udp_.setEnabled(options.udp && !options.legacy);
}

void Device::start() {
  startedAt_ = hypertcp::platformMillis();
  begin(token_, options_.host, options_.port);
}

uint32_t Device::tick(uint32_t now) {
  run();
  reportUdp();
  if (kind_ != Kind::Sensor || options_.rate <= 0 || !connected()) return 50;
  uint32_t interval = static_cast<uint32_t>(1000.0 / options_.rate);  // main() bounds the rate
  if (interval == 0) interval = 1;
  for (int burst = 0; burst < 200 && static_cast<int32_t>(now - nextTelemetry_) >= 0; burst++) {
    nextTelemetry_ += interval;
    if (!sendTelemetry()) {
      // Telemetry is latest-wins: a sample that cannot go (queue full, larger than the broker
      // takes) is dropped with any backlog, and the next one is due an interval from now. Trying
      // again at once would spin: the failure would stay, and the loop never reach poll().
      nextTelemetry_ = now + interval;
      break;
    }
  }
  if (static_cast<int32_t>(now - nextTelemetry_) > 1000) nextTelemetry_ = now;  // do not chase a backlog forever
  int32_t wait = static_cast<int32_t>(nextTelemetry_ - now);
  return wait > 0 ? static_cast<uint32_t>(wait) : 0;
}

// `ID udp open SID` once the broker answered the HELLO; `ID udp closed REASON` when it ends.
void Device::reportUdp() {
  bool up = udp_.up();
  if (up == udpWasUp_) return;
  udpWasUp_ = up;
  if (up) printf("%s udp open %lu\n", id_, static_cast<unsigned long>(udp_.sessionId()));
  else printf("%s udp closed %s\n", id_, udp_.closeReason() ? udp_.closeReason() : "unknown");
}

void Device::onEvent(const hypertcp::Event& event, void* self) {
  Device* device = static_cast<Device*>(self);
  if (event.type == hypertcp::EventType::Ping && !device->options_.quiet) {
    printf("%s ping %u\n", device->id_, static_cast<unsigned>(event.msgId));
  } else if (event.type == hypertcp::EventType::Redirect) {
    printf("%s redirect %s:%u\n", device->id_, device->host(), static_cast<unsigned>(device->port()));
  }
}

void Device::onConnected() {
  printf("%s connected as %s to %s:%u (%s)\n", id_, deviceId()[0] ? deviceId() : id_, host(),
         static_cast<unsigned>(port()), options_.legacy ? "legacy" : "v2");
  nextTelemetry_ = hypertcp::platformMillis();
  telemetryError_ = hypertcp::Error::None;  // each session says its first telemetry failure
  // The grant is read before this callback: none means a broker without UDP, or a host the
  // POSIX link cannot use (numeric IPv4 only).
  if (options_.udp && !options_.legacy && !udp_.granted()) printf("%s udp unavailable\n", id_);
  if (kind_ == Kind::Relay) reportState(nullptr, 0, nullptr);  // the panel learns the state at once
}

void Device::onDisconnected(hypertcp::Error reason) {
  const char* why = reason == hypertcp::Error::Stopped ? "shutdown" : hypertcp::errorName(reason);
  printf("%s disconnected %s\n", id_, why);
}

void Device::onError(hypertcp::Error error) { printf("%s error %s\n", id_, hypertcp::errorName(error)); }

void Device::onAck(uint16_t msgId, uint8_t status) {
  if (status == hypertcp::Status::Success) {
    totals_.acked++;
    return;
  }
  totals_.refused++;
  if (!options_.quiet) printf("%s ack %u %s\n", id_, static_cast<unsigned>(msgId), hypertcp::statusName(status));
}

void Device::onMessageReceived(const char* from, const char* payload, size_t length) {
  totals_.received++;
  if (!options_.quiet) printf("%s message from %s %s\n", id_, from, payload);
  handleCommand(payload, length);
}

void Device::onBroadcastMessage(const char* from, const char* payload, size_t) {
  totals_.received++;
  if (!options_.quiet) printf("%s broadcast from %s %s\n", id_, from, payload);
}

void Device::handleCommand(const char* payload, size_t length) {
  char cmd[16];
  if (!hypertcp::json::getString(payload, length, "cmd", cmd, sizeof cmd)) return;
  hypertcp::json::Span req = {nullptr, 0};
  if (hypertcp::json::find(payload, length, "req", req) && req.ptr[0] != '"' && req.ptr[0] != '-' &&
      (req.ptr[0] < '0' || req.ptr[0] > '9')) {
    req.ptr = nullptr;  // echo only strings and numbers
    req.len = 0;
  }
  if (strcmp(cmd, "broadcast") == 0 || strcmp(cmd, "send") == 0) return forward(cmd, payload, length);
  if (kind_ == Kind::Sensor) {
    if (strcmp(cmd, "read") == 0) sendTelemetry();
    return;
  }
  bool toggle = strcmp(cmd, "toggle") == 0;
  if (!toggle && strcmp(cmd, "set") != 0) return;
  char control[33] = "relay1";
  if (!hypertcp::json::getString(payload, length, "control", control, sizeof control)) {
    hypertcp::json::getString(payload, length, "relay", control, sizeof control);  // the seed's examples
  }
  int index = -1;
  for (uint8_t i = 0; i < kRelays; i++)
    if (strcmp(control, kRelayControls[i].id) == 0) index = i;
  if (index < 0) return reportState(req.ptr, req.len, "unknown_control");
  if (toggle) {
    relays_[index] = !relays_[index];
  } else {
    bool value;
    long number;
    if (hypertcp::json::getBool(payload, length, "value", value)) relays_[index] = value;
    else if (hypertcp::json::getLong(payload, length, "value", number)) relays_[index] = number != 0;
    else return reportState(req.ptr, req.len, "missing_value");
  }
  reportState(req.ptr, req.len, nullptr);
}

// Test hooks: {"cmd":"broadcast","payload":{..}} broadcasts the payload, {"cmd":"send","to":"id",
// "payload":{..}} sends it to another device, so tests can drive device-originated traffic.
void Device::forward(const char* cmd, const char* payload, size_t length) {
  hypertcp::json::Span inner;
  if (!hypertcp::json::find(payload, length, "payload", inner) || inner.ptr[0] != '{') return;
  char to[hypertcp::kMaxIdLength + 1] = "broadcast";
  if (strcmp(cmd, "broadcast") != 0 && !hypertcp::json::getString(payload, length, "to", to, sizeof to)) return;
  if (!route(to, inner.ptr, inner.len, hypertcp::udp::Delivery::Reliable)) {
    totals_.sendFailures++;
    printf("%s send failed %s %s\n", id_, cmd, hypertcp::errorName(lastError()));
    return;
  }
  totals_.sent++;
  if (!options_.quiet) printf("%s sent %s %.*s%s\n", id_, cmd, static_cast<int>(inner.len), inner.ptr, via_);
}

void Device::reportState(const char* reqJson, size_t reqLength, const char* error) {
  char text[256];
  hypertcp::JsonWriter w(text, sizeof text);
  w.beginObject().key("state").beginObject();
  for (uint8_t i = 0; i < kRelays; i++) w.field(kRelayControls[i].id, relays_[i]);
  w.endObject();
  if (reqJson) w.key("req").raw(reqJson, reqLength);
  if (error) w.field("error", error);
  w.endObject();
  if (w.ok()) send(text, w.length(), "state");
}

bool Device::sendTelemetry() {
  static char text[kMaxPayload + 1];
  static char padding[kMaxPayload + 1];  // a run of 'x' to point into for --payload
  if (padding[0] != 'x') memset(padding, 'x', kMaxPayload);
  temperature_ += (rand() % 21 - 10) / 100.0;
  uint32_t uptime = (hypertcp::platformMillis() - startedAt_) / 1000;
  hypertcp::JsonWriter w(text, sizeof text);
  w.beginObject().key("telemetry").beginObject();
  w.key("temp").value(temperature_, 2).field("humidity", 40 + rand() % 20).field("rssi", -50 - rand() % 30);
  w.field("heap", 180000 + rand() % 5000).field("uptime", static_cast<unsigned long>(uptime));
  w.field("seq", ++seq_).endObject();
  size_t overhead = w.length() + 10;  // ,"pad":"" and the closing brace
  if (options_.payload > overhead) {
    size_t pad = options_.payload - overhead;
    if (pad > kMaxPayload) pad = kMaxPayload;
    w.field("pad", padding + kMaxPayload - pad);
  }
  w.endObject();
  return w.ok() && send(text, w.length(), "telemetry");
}

// Through UdpLink::send: UDP when the session is up and the message fits, else TCP. via_ says
// which (printed only with --udp, so the lines of TCP-only runs stay as they were).
bool Device::route(const char* target, const char* json, size_t length, hypertcp::udp::Delivery delivery) {
  hypertcp::udp::Route r = udp_.send(target, json, length, delivery);
  via_ = !options_.udp ? "" : r == hypertcp::udp::Route::Udp ? " via udp" : " via tcp";
  if (r == hypertcp::udp::Route::Udp) totals_.sentUdp++;
  return r != hypertcp::udp::Route::None;
}

bool Device::send(const char* json, size_t length, const char* what) {
  // Telemetry: latest value wins; state reports: reliable.
  bool telemetry = strcmp(what, "telemetry") == 0;
  if (!route("server", json, length, telemetry ? hypertcp::udp::Delivery::Latest : hypertcp::udp::Delivery::Reliable)) {
    hypertcp::Error error = lastError();
    if (error != hypertcp::Error::TxBufferFull) {
      totals_.sendFailures++;
      // A telemetry failure repeats with every sample (say a broker whose maxPayload is below
      // it): printed when it changes, not once a sample.
      if (!telemetry || error != telemetryError_) printf("%s send failed %s %s\n", id_, what, hypertcp::errorName(error));
      if (telemetry) telemetryError_ = error;
    }
    return false;
  }
  if (telemetry) telemetryError_ = hypertcp::Error::None;
  totals_.sent++;
  if (!options_.quiet) printf("%s sent %s %.*s%s\n", id_, what, static_cast<int>(length > 200 ? 200 : length), json, via_);
  return true;
}

}  // namespace sim
