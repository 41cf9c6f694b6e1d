/** The Arduino sketch lines a user pastes after creating a device token. */
export function arduinoSnippet(opts: { id: string; token: string; host: string; port: number }): string {
  return [
    '#include <WiFi.h>',
    '#include <HyperTCP.h>',
    '',
    `// Device "${opts.id}": this token is shown once; keep it secret.`,
    `const char* HYPERTCP_TOKEN = "${opts.token}";`,
    `const char* HYPERTCP_HOST  = "${opts.host}";  // the machine running HyperTCP Panel`,
    `const uint16_t HYPERTCP_PORT = ${opts.port};`,
    '',
    'WiFiClient net;',
    'HyperTCP::Client<WiFiClient> hyper(net);',
    '',
    'void setup() {',
    '  WiFi.begin("your-ssid", "your-password");',
    '  hyper.begin(HYPERTCP_HOST, HYPERTCP_PORT, HYPERTCP_TOKEN);',
    '}',
    '',
    'void loop() {',
    '  hyper.loop();',
    '}',
  ].join('\n');
}
