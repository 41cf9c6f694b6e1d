/**
 * The built main bundle (dist/electron/main.cjs + its lazily loaded core chunk) boots in a plain
 * CommonJS runtime with a stand-in for Electron: the real core starts in the --hypertcp-data folder on
 * the --tcp-port given (on loopback: --broker-bind), the window loads, an IPC call reaches the API, and quit closes everything.
 * This is as close to `electron .` as this machine gets without the Electron binary.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));

const harness = (fake: string): string => `
const Module = require('node:module');
require('tsx/cjs/api').register();
const { createFakeElectron } = require(${JSON.stringify(fake)});
const fake = createFakeElectron('/nonexistent-default-user-data');
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'electron' ? fake : load.call(this, request, ...rest); };
const out = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
setTimeout(() => fake.app.readyResolve(), 10);
const started = Date.now();
const poll = setInterval(async () => {
  if (Date.now() - started > 15000) { out({ error: 'timeout', calls: fake.log.calls, errors: fake.log.errors }); process.exit(3); }
  const win = fake.log.windows[0];
  if (!win || !win.webContents.url) return;
  clearInterval(poll);
  const event = win.webContents.frame();
  const hello = await fake.ipcMain.invoke('api:call', event, 'hello', {});
  out({ sandboxed: fake.app.sandboxed, userData: fake.app.getPath('userData'), url: win.webContents.url, preload: win.options.webPreferences.preload, hello });
  fake.app.quit();
  const done = setInterval(() => {
    if (fake.log.calls.includes('app.exited')) { clearInterval(done); out({ calls: fake.log.calls }); process.exit(0); }
  }, 10);
}, 20);
`;

describe('built main bundle', () => {
  it('boots the real core under a stand-in Electron and quits cleanly', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'electron');
    await build({ configFile: join(root, 'vite.electron.config.ts'), root, logLevel: 'silent', build: { outDir: out } });
    expect(existsSync(join(out, 'core.cjs'))).toBe(true);
    const userData = mkdtempSync(join(tmpdir(), 'bundle-data-'));
    const hook = join(out, 'harness.cjs');
    writeFileSync(hook, harness(join(root, 'electron', 'shell', 'fake-electron.ts')));
    const child = spawnSync(process.execPath, ['-r', hook, join(out, 'main.cjs'), `--hypertcp-data=${userData}`, '--tcp-port=0', '--broker-bind=127.0.0.1'], {
      cwd: root,
      env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status, `${child.stdout}\n${child.stderr}`).toBe(0);
    const lines = child.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const [boot, end] = lines;
    expect(boot).toMatchObject({ sandboxed: true, userData, preload: join(out, 'preload.cjs'), hello: { ok: true, result: { mode: 'desktop' } } });
    expect(boot!.url).toBe('app://panel/index.html');
    expect((boot!.hello as { result: { tcpPort: number } }).result.tcpPort).toBeGreaterThan(0); // --tcp-port=0: ephemeral
    expect(existsSync(join(userData, 'hypertcp.db'))).toBe(true);
    expect(end).toEqual({ calls: ['app.quit', 'tray.destroy', 'app.quit', 'app.exited'] });
  }, 60_000);
});
