import { describe, expect, it } from 'vitest';
import { arduinoSnippet, brokerHostFor } from './snippet';

describe('the sketch snippet', () => {
  it('names the host the panel was opened by, where a device can reach it', () => {
    const text = arduinoSnippet({ id: 'lamp-1', token: 't0k', host: 'pi.lan', port: 8080 });
    expect(text).toContain('const char* BROKER_HOST = "pi.lan";');
    expect(text).toContain('const uint16_t BROKER_PORT = 8080;');
    expect(text).toContain('const char* DEVICE_TOKEN = "t0k";');
  });

  it('never tells a device to connect to loopback (itself): a LAN address to fill in instead', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '[::1]', '::1', '']) {
      expect(brokerHostFor(host), host).toBeNull();
      const text = arduinoSnippet({ id: 'lamp-1', token: 't0k', host, port: 8080 });
      expect(text).toContain('BROKER_HOST = "192.168.1.10";  // your computer\'s address on the WiFi network');
      expect(text).not.toContain(`"${host}"`);
    }
    expect(brokerHostFor('192.168.1.20')).toBe('192.168.1.20');
    expect(brokerHostFor('[fd00::2]')).toBe('fd00::2');
  });
});
