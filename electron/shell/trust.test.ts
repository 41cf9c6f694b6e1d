import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { appOrigin, isLoopbackHttpUrl, isTrustedSender } from './trust';

const indexHtml = '/opt/app/dist/renderer/index.html';
const appUrl = 'app://panel/index.html';
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

  it('accepts exactly our app:// page: not a file:// URL of it, nor another path, host, port or scheme', () => {
    expect(appUrl).toBe('app://panel/index.html');
    for (const url of [
      pathToFileURL(indexHtml).href, // the same file over file://, where 'self' was every local file
      'app://panel/other.html',
      'app://panel/index.html.bak',
      'app://panel/assets/index.html',
      'app://panel/',
      'app://panel.evil/index.html',
      'app://evil/index.html',
      'app://panel:1/index.html',
      'app://user@panel/index.html',
      'app://panel/x/../index.html', // not how Chromium reports our page
      'app://panel/%69ndex.html',
      'APP://PANEL/INDEX.HTML',
      'https://panel/index.html',
      'http://localhost:5173/',
    ]) {
      expect(origin.isAppUrl(url), url).toBe(false);
    }
    expect(origin.entry).toEqual({ kind: 'app', url: 'app://panel/index.html', rendererDir: '/opt/app/dist/renderer' });
  });

  it('serves from wherever the build is, whatever the folder is called (the URL does not name it)', () => {
    for (const path of ['/opt/100%/app/index.html', '/home/u/Apps [1]/a#b?c/resources/app.asar/dist/renderer/index.html']) {
      const other = appOrigin({ indexHtml: path });
      expect(other.entry.url, path).toBe('app://panel/index.html');
      expect(other.isAppUrl('app://panel/index.html#/devices'), path).toBe(true);
    }
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
