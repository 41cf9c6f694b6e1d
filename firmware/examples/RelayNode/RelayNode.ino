// RelayNode: offers two relays to the HyperTCP panel, switches GPIOs on toggle/set commands and
// reports the new state (docs/PROTOCOL.md section 8). Uses the callback handler style and needs
// no JSON library. Fill in Wi-Fi, broker and the device token from the panel's Tokens page.
#if defined(ESP32)
#include <WiFi.h>
#elif defined(ESP8266)
#include <ESP8266WiFi.h>
#else
#error "This example is for ESP32 or ESP8266 Wi-Fi; the library itself takes any Arduino Client (e.g. EthernetClient)"
#endif
#include <HyperTCP.h>

const char* WIFI_SSID = "your-ssid";
const char* WIFI_PASSWORD = "your-password";
const char* BROKER_HOST = "192.168.1.10";
const uint16_t BROKER_PORT = 8080;
const char* DEVICE_TOKEN = "paste-the-device-token-here";
// Who may switch the relays: the panel ("server") and, say, a wall switch (examples/ButtonNode),
// by the names their tokens were created with. The broker's default policy lets any device send
// to any other, so check the sender here.
const char* ALLOWED_SENDERS[] = {"server", "button-node"};

#if defined(ESP8266)
const uint8_t RELAY_PINS[] = {5, 4};  // D1, D2
#else
const uint8_t RELAY_PINS[] = {26, 27};
#endif

static const hypertcp::Control kControls[] = {hypertcp::relay("relay1", "Lamp"), hypertcp::relay("relay2", "Fan")};
static const hypertcp::DeviceInfo kDevice = {
    "relay-node", "1.0.0", HYPERTCP_BOARD_NAME, kControls, HYPERTCP_COUNT(kControls), nullptr, 0};

WiFiClient wifi;
HyperTCPTransport<WiFiClient> transport(wifi);
HyperTCPProtocol<HyperTCPTransport<WiFiClient>> hyper(transport);
bool relayOn[HYPERTCP_COUNT(kControls)];

// {"state":{"relay1":true,"relay2":false},"req":"r43"} to the panel; a refused command adds
// "error" (the panel shows it instead of waiting for a report that never comes).
void reportState(const char* req, const char* error = nullptr) {
  char text[128];
  hypertcp::JsonWriter w(text, sizeof text);
  w.beginObject().key("state").beginObject();
  for (uint8_t i = 0; i < HYPERTCP_COUNT(kControls); i++) w.field(kControls[i].id, relayOn[i]);
  w.endObject();
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

// {"cmd":"toggle","control":"relay1","req":"r43"} or {"cmd":"set","control":"relay1","value":true}
void onMessage(const hypertcp::Message& msg, void*) {
  if (!allowed(msg.from)) return;  // not even an answer: a stranger learns nothing
  char cmd[8], control[16], req[24];
  if (!hypertcp::json::getString(msg.payload, msg.length, "cmd", cmd, sizeof cmd)) return;
  bool toggle = strcmp(cmd, "toggle") == 0;
  if (!toggle && strcmp(cmd, "set") != 0) return;  // not a relay command
  const char* reqOrNull = hypertcp::json::getString(msg.payload, msg.length, "req", req, sizeof req) ? req : nullptr;
  int8_t index = -1;
  if (hypertcp::json::getString(msg.payload, msg.length, "control", control, sizeof control)) {
    for (uint8_t i = 0; i < HYPERTCP_COUNT(kControls); i++)
      if (strcmp(control, kControls[i].id) == 0) index = static_cast<int8_t>(i);
  }
  if (index < 0) {
    reportState(reqOrNull, "unknown_control");
    return;
  }
  bool value = !relayOn[index];
  if (!toggle && !hypertcp::json::getBool(msg.payload, msg.length, "value", value)) {
    reportState(reqOrNull, "missing_value");
    return;
  }
  relayOn[index] = value;
  digitalWrite(RELAY_PINS[index], value ? HIGH : LOW);
  reportState(reqOrNull);
}

void onEvent(const hypertcp::Event& event, void*) {
  if (event.type == hypertcp::EventType::Connected) {
    Serial.println("HyperTCP: online");
    wifi.setNoDelay(true);  // per socket: small frames go out at once
    reportState(nullptr);  // the panel shows the real state at once
  } else if (event.type == hypertcp::EventType::Disconnected || event.type == hypertcp::EventType::Error) {
    Serial.print("HyperTCP: ");
    Serial.println(hypertcp::errorName(event.error));
  }
}

void setup() {
  Serial.begin(115200);
  for (uint8_t i = 0; i < HYPERTCP_COUNT(kControls); i++) {
    pinMode(RELAY_PINS[i], OUTPUT);
    digitalWrite(RELAY_PINS[i], LOW);
  }
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);  // no waiting here: run() retries until Wi-Fi is up
  hyper.setDevice(&kDevice);
  hyper.setMessageHandler(onMessage);
  hyper.setEventHandler(onEvent);
  hyper.begin(DEVICE_TOKEN, BROKER_HOST, BROKER_PORT);
}

void loop() {
  hyper.run();  // returns within a few ms; the rest of the sketch keeps running
}
