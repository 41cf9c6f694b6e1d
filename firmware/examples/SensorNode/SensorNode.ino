// SensorNode: reports a temperature reading every 10 s and when it changes by 0.5 C or more (at
// most once a second: ADC noise alone moves a reading that much), plus signal, free heap and
// uptime. Uses the subclass handler style (the seed's names) and answers {"cmd":"read"} from the
// panel with a fresh reading.
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
const uint8_t SENSOR_PIN = A0;  // e.g. a TMP36 or a thermistor divider
const uint32_t REPORT_EVERY_MS = 10000;
const float REPORT_ON_CHANGE_C = 0.5f;
const uint32_t CHANGE_REPORT_GAP_MS = 1000;  // the least time between two reports on change

static const hypertcp::Telemetry kTelemetry[] = {
    hypertcp::telemetry("temp", "C", "Temperature"), hypertcp::telemetry("rssi", "dBm", "Signal"),
    hypertcp::telemetry("heap", "B", "Free heap"), hypertcp::telemetry("uptime", "s", "Uptime")};
static const hypertcp::DeviceInfo kDevice = {
    "sensor-node", "1.0.0", HYPERTCP_BOARD_NAME, nullptr, 0, kTelemetry, HYPERTCP_COUNT(kTelemetry)};

float readTemperature() {
  // TMP36 on a 3.3 V, 12-bit ADC (ESP32); adapt to your sensor.
  float volts = analogRead(SENSOR_PIN) * 3.3f / 4095.0f;
  return (volts - 0.5f) * 100.0f;
}

class SensorNode : public HyperTCPProtocol<HyperTCPTransport<WiFiClient>> {
 public:
  explicit SensorNode(HyperTCPTransport<WiFiClient>& t) : HyperTCPProtocol<HyperTCPTransport<WiFiClient>>(t) {}

  void report(float temperature) {
    char text[128];
    hypertcp::JsonWriter w(text, sizeof text);
    w.beginObject().key("telemetry").beginObject();
    w.key("temp").value(temperature, 1).field("rssi", hypertcp::board::rssi());
    w.field("heap", static_cast<unsigned long>(hypertcp::board::freeHeap()));
    w.field("uptime", static_cast<unsigned long>(millis() / 1000));
    w.endObject().endObject();
    if (w.ok() && sendToServer(text)) {
      lastReported = temperature;
      lastReportAt = millis();
    }
  }

  void onConnected() override {
    transport().client().setNoDelay(true);  // per socket: small frames go out at once
    report(readTemperature());
  }

  void onMessageReceived(const char* from, const char* payload, size_t length) override {
    char cmd[8];
    if (strcmp(from, "server") == 0 && hypertcp::json::getString(payload, length, "cmd", cmd, sizeof cmd) &&
        strcmp(cmd, "read") == 0) {
      report(readTemperature());
    }
  }

  void onDisconnected(hypertcp::Error reason) override {
    Serial.print("HyperTCP disconnected: ");
    Serial.println(hypertcp::errorName(reason));
  }

  float lastReported = -1000;
  uint32_t lastReportAt = 0;
};

WiFiClient wifi;
HyperTCPTransport<WiFiClient> transport(wifi);
SensorNode node(transport);

void setup() {
  Serial.begin(115200);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  node.setDevice(&kDevice);
  node.begin(DEVICE_TOKEN, BROKER_HOST, BROKER_PORT);
}

void loop() {
  node.run();
  if (!node.connected()) return;
  float temperature = readTemperature();
  float change = temperature - node.lastReported;
  if (change < 0) change = -change;
  uint32_t sinceReport = millis() - node.lastReportAt;
  if (sinceReport >= REPORT_EVERY_MS || (change >= REPORT_ON_CHANGE_C && sinceReport >= CHANGE_REPORT_GAP_MS))
    node.report(temperature);
}
