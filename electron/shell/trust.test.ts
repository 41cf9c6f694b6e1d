import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { appOrigin, isLoopbackHttpUrl, isTrustedSender } from './trust';

const indexHtml = '/opt/app/dist/renderer/index.html';
const appUrl = pathToFileURL(indexHtml).href;
const origin = appOrigin({ indexHtml });
const ev = (url: string, id = 7, parent: { url: string; parent: null } | null = null) => ({ sender: { id }, senderFrame: { url, parent } });

describe('trusted senders', () => {
  it('accepts our page (with hash or query) in the main frame of the main window', () => {
    expect(isTrustedSender(ev(appUrl), 7, origin)).toBe(true);
    expect(isTrustedSender(ev(`${appUrl}#/devices`), 7, origin)).toBe(true);
    expect(isTrustedSender(ev(`${appUrl}?x=1`), 7, origin)).toBe(true);
  });

  it('refuses other files, origins, windows, subframes and destroyed frames', () => {
    expect(isTrustedSender(ev('file:///opt/app/dist/renderer/other.html'), 7, origin)).toBe(false);
    expect(isTrustedSender(ev('file:///etc/passwd'), 7, origin)).toBe(false);
    expect(isTrustedSender(ev('https://evil.example/'), 7, origin)).toBe(false);
    expect(isTrustedSender(ev('not a url'), 7, origin)).toBe(false);
    expect(isTrustedSender(ev(appUrl, 8), 7, origin)).toBe(false);
    expect(isTrustedSender(ev(appUrl, 7, { url: appUrl, parent: null }), 7, origin)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, 7, origin)).toBe(false);
    expect(isTrustedSender(ev(appUrl), null, origin)).toBe(false);
  });

  it('accepts only a loopback http dev server, and only its origin', () => {
    expect(isLoopbackHttpUrl('http://localhost:5173/')).toBe(true);
    expect(isLoopbackHttpUrl('http://127.0.0.1:5173/')).toBe(true);
    expect(isLoopbackHttpUrl('https://example.com/')).toBe(false);
    expect(isLoopbackHttpUrl('http://192.168.1.10:5173/')).toBe(false);
    expect(() => appOrigin({ indexHtml, devServerUrl: 'http://evil.example:5173/' })).toThrow(/loopback/);
    const dev = appOrigin({ indexHtml, devServerUrl: 'http://localhost:5173/' });
    expect(dev.isAppUrl('http://localhost:5173/#/x')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(dev.isAppUrl(appUrl)).toBe(false);
  });
});
