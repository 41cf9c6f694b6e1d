// ButtonNode: a wall switch for examples/RelayNode. A press sends {"cmd":"toggle",...} straight to
// the relay device (a message to another device, by the name its token was created with) and
// broadcasts {"button":"pressed","presses":N} to every device online. Add this device's name to
// RelayNode's ALLOWED_SENDERS, or the relay node ignores it.
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
const char* RELAY_DEVICE = "relay-node";  // the relay node's name in the panel
const uint8_t BUTTON_PIN = 0;  // the BOOT (ESP32) or FLASH (ESP8266, D3) button on most boards
const uint32_t DEBOUNCE_MS = 50;

static const hypertcp::DeviceInfo kDevice = {"button-node", "1.0.0", HYPERTCP_BOARD_NAME, nullptr, 0, nullptr, 0};

WiFiClient wifi;
HyperTCPTransport<WiFiClient> transport(wifi);
HyperTCPProtocol<HyperTCPTransport<WiFiClient>> hyper(transport);
bool pressed = false;
uint32_t changedAt = 0;
unsigned long presses = 0;

void onPress() {
  presses++;
  // 0 when it could not go (offline, queue full): the press is dropped, not replayed later.
  hyper.sendMessage(RELAY_DEVICE, "{\"cmd\":\"toggle\",\"control\":\"relay1\"}");
  char text[48];
  hypertcp::JsonWriter w(text, sizeof text);
  w.beginObject().field("button", "pressed").field("presses", presses).endObject();
  if (w.ok()) hyper.broadcastMessage(text);
}

void setup() {
  Serial.begin(115200);
  pinMode(BUTTON_PIN, INPUT_PULLUP);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);  // no waiting here: run() retries until Wi-Fi is up
  hyper.setDevice(&kDevice);
  hyper.begin(DEVICE_TOKEN, BROKER_HOST, BROKER_PORT);
}

void loop() {
  hyper.run();
  bool down = digitalRead(BUTTON_PIN) == LOW;
  if (down == pressed || millis() - changedAt < DEBOUNCE_MS) return;
  pressed = down;
  changedAt = millis();
  if (pressed && hyper.connected()) onPress();
}
