// Implements test/arduino/*.h for the example runs: a real clock, no pins, and a scripted
// broker behind WiFiClient. The run: 150 ms with Wi-Fi down (connects fail, loop() must keep
// spinning and never call delay()), then the broker accepts the login and sends EXAMPLE_COMMAND; main() prints every
// message the sketch sent so the Makefile can check the answer.
#include <string.h>
#include <time.h>

#include "Arduino.h"
#include "WiFi.h"

// The command the scripted broker sends, per example (-DEXAMPLE_<Name>).
#if defined(EXAMPLE_SensorNode)
#define EXAMPLE_COMMAND "{\"cmd\":\"read\"}"
#elif defined(EXAMPLE_ButtonNode)
#define EXAMPLE_COMMAND "{\"cmd\":\"hello\"}"  // nothing it acts on
#else
#define EXAMPLE_COMMAND "{\"cmd\":\"toggle\",\"control\":\"relay1\",\"req\":\"r1\"}"
#define EXAMPLE_COMMAND2 "{\"cmd\":\"set\",\"control\":\"relay9\",\"value\":true,\"req\":\"r2\"}"  // refused
// From another device, not on the relay examples' allow-list: must be ignored (no answer "r3").
#define EXAMPLE_STRANGER_COMMAND "{\"cmd\":\"set\",\"control\":\"relay2\",\"value\":true,\"req\":\"r3\"}"
#endif

HostSerial Serial;
HostEsp ESP;
HostWiFi WiFi;

namespace {
uint32_t startedAt;
bool wifiUp = false, open = false, loggedIn = false;
uint8_t inbound[512];
size_t inLen = 0, inPos = 0;
uint8_t outbound[8192];
size_t outLen = 0;
long delayCalls = 0;  // the only way code could wait here: the stand-in network never blocks

void push(uint8_t type, uint16_t id, const char* payload, size_t length) {
  uint8_t header[5] = {type, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), static_cast<uint8_t>(length >> 8),
                       static_cast<uint8_t>(length)};
  memcpy(inbound + inLen, header, 5);
  memcpy(inbound + inLen + 5, payload, length);
  inLen += 5 + length;
}
}  // namespace

int WiFiClient::connect(const char*, uint16_t) {
  if (!wifiUp) return 0;
  open = true;
  inLen = inPos = 0;
  return 1;
}

size_t WiFiClient::write(const uint8_t* buf, size_t size) {
  if (!open || outLen + size > sizeof outbound) return 0;
  memcpy(outbound + outLen, buf, size);
  outLen += size;
  if (!loggedIn && outLen >= 5 && outbound[0] == 29) {  // LOGIN seen: accept, then command
    loggedIn = true;
    const char reply[] = "\xC8{\"id\":\"example\",\"keepalive\":10}";
    push(0, 1, reply, sizeof reply - 1);
    static const char command[] = "{\"from\":\"server\",\"payload\":" EXAMPLE_COMMAND "}";
    push(30, 100, command, sizeof command - 1);
#if defined(EXAMPLE_COMMAND2)
    static const char command2[] = "{\"from\":\"server\",\"payload\":" EXAMPLE_COMMAND2 "}";
    push(30, 101, command2, sizeof command2 - 1);
#endif
#if defined(EXAMPLE_STRANGER_COMMAND)
    static const char command3[] = "{\"from\":\"intruder\",\"payload\":" EXAMPLE_STRANGER_COMMAND "}";
    push(30, 102, command3, sizeof command3 - 1);
#endif
  }
  return size;
}

int WiFiClient::available() { return open ? static_cast<int>(inLen - inPos) : 0; }
int WiFiClient::read() { return available() > 0 ? inbound[inPos++] : -1; }
int WiFiClient::read(uint8_t* buf, size_t size) {
  size_t n = inLen - inPos < size ? inLen - inPos : size;
  memcpy(buf, inbound + inPos, n);
  inPos += n;
  return static_cast<int>(n);
}
void WiFiClient::stop() { open = false; }
uint8_t WiFiClient::connected() { return open; }

uint32_t millis() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint32_t>(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
uint32_t micros() { return millis() * 1000; }
void delay(uint32_t ms) {
  delayCalls++;
  timespec ts = {static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}
void pinMode(uint8_t, uint8_t) {}
void digitalWrite(uint8_t, uint8_t) {}
// A button (INPUT_PULLUP, LOW when pressed) held from 1150 to 1350 ms into the run: online by
// then (the first attempt fails while Wi-Fi is down, the next comes within 1 s).
int digitalRead(uint8_t) {
  uint32_t t = millis() - startedAt;
  return t >= 1150 && t < 1350 ? LOW : HIGH;
}
// A sensor with +-8 counts of noise, as a real ADC has (0.6 C on SensorNode's TMP36 scale).
int analogRead(uint8_t) {
  static uint32_t noise = 1;
  noise = noise * 1103515245u + 12345u;
  return 900 + static_cast<int>((noise >> 16) % 17) - 8;
}
uint32_t esp_random() { return 12345; }

void setup();
void loop();

int main() {
  startedAt = millis();
  setup();
  long loops = 0;
  delayCalls = 0;
  while (millis() - startedAt < 1500) {
    wifiUp = millis() - startedAt >= 150;
    loop();
    loops++;
  }
  // Every JSON_MESSAGE and BROADCAST the sketch sent, one per line, for the Makefile's checks.
  for (size_t i = 0; i + 5 <= outLen;) {
    size_t length = static_cast<size_t>(outbound[i + 3] << 8 | outbound[i + 4]);
    if (outbound[i] == 30) printf("sent %.*s\n", static_cast<int>(length), reinterpret_cast<char*>(outbound + i + 5));
    if (outbound[i] == 50) printf("broadcast %.*s\n", static_cast<int>(length), reinterpret_cast<char*>(outbound + i + 5));
    i += 5 + length;
  }
  printf("example: %ld loops in 1.5 s, %ld waits inside loop(), logged in: %s\n", loops, delayCalls,
         loggedIn ? "yes" : "no");
  return loops > 1000 && delayCalls == 0 && loggedIn ? 0 : 1;
}
