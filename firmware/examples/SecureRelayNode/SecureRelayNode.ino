// SecureRelayNode: RelayNode over TLS. The broker's TLS listener is off by default: turn it on in
// the panel's Settings ("TLS listener", "TLS port", 8443 by default; it starts after a restart).
// The device pins the broker's own certificate, the self-signed one the panel made in the "tls"
// folder of its data folder, tls/broker-cert.pem (not web-tls/, the browsers' certificate):
//   ESP32:   paste the whole PEM file into BROKER_CERT_PEM (setCACert).
//   ESP8266: paste its SHA-1 fingerprint into BROKER_FINGERPRINT (setFingerprint), from
//            openssl x509 -in broker-cert.pem -noout -fingerprint -sha1
// The TLS handshake runs inside connect(): a run() that connects stalls loop() for a second or
// more (docs/FIRMWARE.md, TLS).
#if defined(ESP32)
#include <WiFi.h>
#elif defined(ESP8266)
#include <ESP8266WiFi.h>
#else
#error "This example is for ESP32 or ESP8266 Wi-Fi; the library itself takes any Arduino Client"
#endif
#include <WiFiClientSecure.h>
#include <HyperTCP.h>

const char* WIFI_SSID = "your-ssid";
const char* WIFI_PASSWORD = "your-password";
const char* BROKER_HOST = "192.168.1.10";  // a name or address the certificate lists (docs/FIRMWARE.md, TLS)
const uint16_t BROKER_PORT = 8443;          // the TLS port from Settings, not the plain 8080
const char* DEVICE_TOKEN = "paste-the-device-token-here";
const char* ALLOWED_SENDERS[] = {"server"};  // who may switch the relay (see RelayNode)
#if defined(ESP32)
const char* BROKER_CERT_PEM =
    "-----BEGIN CERTIFICATE-----\n"
    "paste the lines of tls/broker-cert.pem here, each ending in \\n\n"
    "-----END CERTIFICATE-----\n";
#else
const char* BROKER_FINGERPRINT = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";  // SHA-1
#endif
const uint8_t RELAY_PIN = 5;

static const hypertcp::Control kControls[] = {hypertcp::relay("relay1", "Lamp")};
static const hypertcp::DeviceInfo kDevice = {
    "secure-relay", "1.0.0", HYPERTCP_BOARD_NAME, kControls, HYPERTCP_COUNT(kControls), nullptr, 0};

WiFiClientSecure tls;
HyperTCPTransport<WiFiClientSecure> transport(tls);
HyperTCPProtocol<HyperTCPTransport<WiFiClientSecure>> hyper(transport);
bool relayOn = false;

// {"state":{"relay1":true},"req":"r43"}; a refused command adds "error".
void reportState(const char* req, const char* error = nullptr) {
  char text[96];
  hypertcp::JsonWriter w(text, sizeof text);
  w.beginObject().key("state").beginObject().field("relay1", relayOn).endObject();
  if (req) w.field("req", req);
  if (error) w.field("error", error);
  w.endObject();
  if (w.ok()) hyper.sendToServer(text);
}

bool allowed(const char* sender) {
  for (const char* name : ALLOWED_SENDERS)
    if (strcmp(sender, name) == 0) return true;
  return false;
}

void onMessage(const hypertcp::Message& msg, void*) {
  if (!allowed(msg.from)) return;
  char cmd[8], control[16], req[24];
  if (!hypertcp::json::getString(msg.payload, msg.length, "cmd", cmd, sizeof cmd)) return;
  bool toggle = strcmp(cmd, "toggle") == 0;
  if (!toggle && strcmp(cmd, "set") != 0) return;
  const char* reqOrNull = hypertcp::json::getString(msg.payload, msg.length, "req", req, sizeof req) ? req : nullptr;
  if (!hypertcp::json::getString(msg.payload, msg.length, "control", control, sizeof control) ||
      strcmp(control, "relay1") != 0) {
    reportState(reqOrNull, "unknown_control");
    return;
  }
  bool value = !relayOn;
  if (!toggle && !hypertcp::json::getBool(msg.payload, msg.length, "value", value)) {
    reportState(reqOrNull, "missing_value");
    return;
  }
  relayOn = value;
  digitalWrite(RELAY_PIN, value ? HIGH : LOW);
  reportState(reqOrNull);
}

void onEvent(const hypertcp::Event& event, void*) {
  if (event.type == hypertcp::EventType::Connected) {
    reportState(nullptr);
  } else if (event.type == hypertcp::EventType::Disconnected || event.type == hypertcp::EventType::Error) {
    Serial.print("HyperTCP: ");  // connect_failed again and again: check the pin and the port
    Serial.println(hypertcp::errorName(event.error));
  }
}

void setup() {
  Serial.begin(115200);
  pinMode(RELAY_PIN, OUTPUT);
  digitalWrite(RELAY_PIN, LOW);
#if defined(ESP32)
  tls.setCACert(BROKER_CERT_PEM);
#else
  tls.setFingerprint(BROKER_FINGERPRINT);
#endif
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  hyper.setDevice(&kDevice);
  hyper.setMessageHandler(onMessage);
  hyper.setEventHandler(onEvent);
  hyper.begin(DEVICE_TOKEN, BROKER_HOST, BROKER_PORT);
}

void loop() {
  hyper.run();
}
