/**
 * The lines a user pastes into the example sketches (firmware/examples/RelayNode or SensorNode),
 * which declare exactly these constants.
 */
export function arduinoSnippet(opts: { id: string; token: string; host: string; port: number }): string {
  return [
    `// Device "${opts.id}": paste over the same lines in firmware/examples/RelayNode/RelayNode.ino`,
    '// (or SensorNode.ino). The token is shown only once; keep it secret.',
    'const char* WIFI_SSID = "your-ssid";',
    'const char* WIFI_PASSWORD = "your-password";',
    `const char* BROKER_HOST = "${opts.host}";  // the machine running HyperTCP Panel`,
    `const uint16_t BROKER_PORT = ${opts.port};`,
    `const char* DEVICE_TOKEN = "${opts.token}";`,
  ].join('\n');
}
