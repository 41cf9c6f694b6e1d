/**
 * The lines a user pastes into the example sketches (firmware/examples/RelayNode or SensorNode),
 * which declare exactly these constants.
 */
export function arduinoSnippet(opts: { id: string; token: string; host: string; port: number }): string {
  const host = brokerHostFor(opts.host);
  return [
    `// Device "${opts.id}": paste over the same lines in firmware/examples/RelayNode/RelayNode.ino`,
    '// (or SensorNode.ino). The token is shown only once; keep it secret.',
    'const char* WIFI_SSID = "your-ssid";',
    'const char* WIFI_PASSWORD = "your-password";',
    host === null
      ? `const char* BROKER_HOST = "${LAN_PLACEHOLDER}";  // your computer's address on the WiFi network (127.0.0.1 would be the device itself)`
      : `const char* BROKER_HOST = "${host}";  // the machine running HyperTCP Panel`,
    `const uint16_t BROKER_PORT = ${opts.port};`,
    `const char* DEVICE_TOKEN = "${opts.token}";`,
  ].join('\n');
}

const LAN_PLACEHOLDER = '192.168.1.10';

/**
 * The name the panel was opened by, as a device would reach the broker; null where a device cannot
 * use it: the desktop app's page (no host) and loopback (on the device, that is the device itself).
 */
export function brokerHostFor(pageHost: string): string | null {
  const bare = pageHost.replace(/^\[|\]$/g, ''); // an IPv6 address, as a sketch's connect() takes it
  const h = bare.toLowerCase();
  if (h === '' || h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h)) return null;
  return bare;
}
