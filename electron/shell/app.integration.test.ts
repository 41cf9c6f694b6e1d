/**
 * The shell wired to the REAL core (broker on an ephemeral 127.0.0.1 port, SQLite file in a temp
 * userData) with only Electron faked: what the renderer would do over IPC, a legacy device logging
 * in over TCP, and the quit sequence closing its session with reason 'shutdown' and keeping the data.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCore, type Core, type CoreOptions } from '../core';
import { LegacyClient } from '../broker/testing/legacy-client';
import { startShell } from './app';
import { CHANNELS } from './channels';
import { createFakeElectron, findMenuItem, type FakeElectron } from './fake-electron';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string } };

async function launch(userData: string, settingsOverrides: CoreOptions['settingsOverrides'] = {}): Promise<{ electron: FakeElectron; core: Core; call: (m: string, p: unknown) => Promise<Reply>; stopped: Promise<void> }> {
  const electron = createFakeElectron(userData);
  let core: Core | undefined;
  const started = startShell(electron, {
    platform: 'linux',
    startCore: async (o) => (core = await startCore({ ...o, tcpPort: 0, settingsOverrides })),
    paths: { indexHtml: join(userData, 'renderer', 'index.html'), preload: '/p.cjs', icon: '/i.png', trayIcon: '/t.png', firmwareDir: '/f', docsDir: '/d' },
  });
  electron.app.readyResolve();
  const shell = (await started)!;
  const win = electron.log.windows[0]!;
  await Promise.resolve(); // the window's load has started
  electron.ipcMain.send(CHANNELS.subscribe, win.webContents.frame()); // the page's bridge.onEvents
  const call = (m: string, p: unknown) => electron.ipcMain.invoke(CHANNELS.call, win.webContents.frame(), m, p) as Promise<Reply>;
  return { electron, core: core!, call, stopped: shell.stopped };
}

describe('desktop shell with the real core', () => {
  it('serves the API over IPC, counts a live device, and quits cleanly keeping the data', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'shell-int-'));
    const first = await launch(userData);
    const hello = await first.call('hello', {});
    expect(hello).toMatchObject({ ok: true, result: { mode: 'desktop', tcpPort: first.core.tcpPort } });
    const created = (await first.call('tokens.create', { id: 'lamp-1' })) as { ok: true; result: { token: string } };
    expect(created.ok).toBe(true);

    const closes: string[] = [];
    first.core.broker.on('session:close', (info: { id: string }, reason: string) => closes.push(`${info.id}:${reason}`));
    const device = await LegacyClient.connect(first.core.tcpPort, { pingIntervalMs: 0 });
    await device.login(created.result.token);

    await expect.poll(async () => ((await first.call('devices.list', {})) as { result: { id: string; online: boolean }[] }).result).toContainEqual(
      expect.objectContaining({ id: 'lamp-1', online: true }),
    );
    await expect.poll(() => findMenuItem(first.electron.log.trays[0]!.menu, 'online')!.label, { timeout: 3000 }).toBe('1 device online');
    // The event pump reaches the window.
    const win = first.electron.log.windows[0]!;
    await expect.poll(() => win.webContents.sent.some(([ch]) => ch === CHANNELS.events)).toBe(true);

    first.electron.app.quit();
    await first.stopped;
    expect(closes).toEqual(['lamp-1:shutdown']);
    await expect.poll(() => device.closed).toBe(true);
    expect(first.electron.log.calls.slice(-2)).toEqual(['app.quit', 'app.exited']);

    // The next launch finds the token in the same userData database.
    const second = await launch(userData);
    const tokens = (await second.call('tokens.list', {})) as { ok: true; result: { id: string }[] };
    expect(tokens.result.map((t) => t.id)).toEqual(['lamp-1']);
    second.electron.app.quit();
    await second.stopped;
  });

  it("a device that stays offline past the hub's grace becomes a native notification", async () => {
    const userData = mkdtempSync(join(tmpdir(), 'shell-int-'));
    const app = await launch(userData, { offlineGraceSeconds: 0 });
    const created = (await app.call('tokens.create', { id: 'lamp-1' })) as { ok: true; result: { token: string } };
    const device = await LegacyClient.connect(app.core.tcpPort, { pingIntervalMs: 0 });
    await device.login(created.result.token);
    await expect.poll(() => app.core.hub.registry.get('lamp-1')?.online).toBe(true);
    device.destroy();
    await expect.poll(() => app.electron.log.notifications.map((n) => n.title)).toEqual(['lamp-1 is offline']);
    app.electron.app.quit();
    await app.stopped;
    expect(app.electron.log.notifications).toHaveLength(1);
  });
});
