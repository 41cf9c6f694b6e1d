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

  // Electron's loadFile builds the URL with url.format, which leaves '%', '[', ']', '|', '^' as they
  // are; Chromium keeps a '%' that starts no escape and escapes only some of the others. The page's
  // frame.url is that spelling, pathToFileURL's is another: the same file must pass either way.
  it('accepts our page however its path is spelled in the URL (an install under "100%" or "[1]")', () => {
    const percent = appOrigin({ indexHtml: '/opt/100%/app/index.html', platform: 'linux' });
    expect(percent.isAppUrl('file:///opt/100%/app/index.html')).toBe(true);
    expect(percent.isAppUrl('file:///opt/100%25/app/index.html#/devices')).toBe(true);
    const brackets = appOrigin({ indexHtml: '/home/u/apps [1]/a|b^c/index.html', platform: 'linux' });
    expect(brackets.isAppUrl('file:///home/u/apps%20[1]/a|b%5Ec/index.html')).toBe(true);
    expect(brackets.isAppUrl('file:///home/u/apps%20%5B1%5D/a%7Cb%5Ec/index.html?x=1')).toBe(true);
    const hexLike = appOrigin({ indexHtml: '/opt/50%41/index.html', platform: 'linux' });
    expect(hexLike.isAppUrl(pathToFileURL('/opt/50%41/index.html').href)).toBe(true);
    // and it stays exact: other files, lookalikes, other hosts and schemes
    for (const url of [
      'file:///opt/100%/app/other.html',
      'file:///opt/100%/app/index.html.bak',
      'file:///opt/100%2525/app/index.html', // the folder "100%25", not "100%"
      'file:///opt/100%/app%2Findex.html', // an encoded separator
      'file:///opt/100%/app/x/../../evil/index.html',
      'file://evil.example/opt/100%/app/index.html',
      'https://evil.example/opt/100%/app/index.html',
      'file:///OPT/100%/APP/INDEX.HTML', // case counts outside Windows
    ]) {
      expect(percent.isAppUrl(url), url).toBe(false);
    }
  });

  it('on Windows, the drive letter and the case of the path do not matter, anything else does', () => {
    const win = appOrigin({ indexHtml: 'c:\\Program Files\\HyperTCP Panel\\resources\\app.asar\\dist\\renderer\\index.html', platform: 'win32' });
    expect(win.isAppUrl('file:///C:/Program%20Files/HyperTCP%20Panel/resources/app.asar/dist/renderer/index.html')).toBe(true);
    expect(win.isAppUrl('file:///c:/program%20files/hypertcp%20panel/resources/app.asar/dist/renderer/index.html#/')).toBe(true);
    const odd = appOrigin({ indexHtml: 'D:\\Apps\\100% [beta]\\index.html', platform: 'win32' });
    expect(odd.isAppUrl('file:///D:/Apps/100%%20[beta]/index.html')).toBe(true);
    for (const url of [
      'file:///D:/Program%20Files/HyperTCP%20Panel/resources/app.asar/dist/renderer/index.html', // another drive
      'file:///C:/Program%20Files/HyperTCP%20Panel/resources/app.asar/dist/renderer/other.html',
      'file://evil/C:/Program%20Files/HyperTCP%20Panel/resources/app.asar/dist/renderer/index.html',
      'file://evil/share/index.html',
      'file:///C:/Program%20Files/HyperTCP%20Panel/resources%5Capp.asar/dist/renderer/index.html',
    ]) {
      expect(win.isAppUrl(url), url).toBe(false);
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
