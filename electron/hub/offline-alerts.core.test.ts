/**
 * Offline alerts end to end in the hub: a real core (broker on an ephemeral port, SQLite in a temp
 * dir) and real TCP device sessions; the grace is 1 s so each case waits about a second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBatch, HostNotice, Results, Settings } from '../../shared/api/contract';
import type { BrokerOptions } from '../broker/options';
import type { V2ClientOptions } from '../broker/testing/v2-client';
import { eventually } from '../broker/testing/fixtures';
import { V2Client } from '../broker/testing/v2-client';
import { startCore, type Core } from '../core';
import type { OfflineAlert } from './offline-alerts';
import { tempDir } from './testing/temp-dir';

const GRACE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('offline alerts from the hub (real core, real TCP sessions)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function lab(settings: Partial<Settings> = {}, broker: Partial<Omit<BrokerOptions, 'tokens'>> = {}) {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const core: Core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', pumpIntervalMs: 20, settingsOverrides: { offlineGraceSeconds: GRACE_MS / 1000, ...settings }, broker: { closeLingerMs: 50, ...broker } });
    cleanups.push(() => core.close());
    const alerts: OfflineAlert[] = [];
    core.hub.onOfflineAlert((a) => alerts.push(a));
    const notices: HostNotice[] = [];
    core.api.subscribe((b: EventBatch) => {
      notices.push(...(b.notices ?? []));
      core.api.ack(b.seq);
    });
    const call = async <M extends keyof Results>(method: M, params: unknown): Promise<Results[M]> => {
      const r = await core.api.dispatch(method, params);
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.result as Results[M];
    };
    const { token } = await call('tokens.create', { id: 'greenhouse-1' });
    const connect = async (options: V2ClientOptions = {}) => {
      const client = await V2Client.connect(core.tcpPort, options);
      cleanups.push(() => client.destroy());
      expect(await client.login(token, { name: 'gh' })).toBe(200);
      await eventually(() => core.hub.registry.get('greenhouse-1')?.online, 2000, 'online');
      return client;
    };
    return { core, alerts, notices, connect, call };
  }

  it('closing the device socket raises exactly one alert after the grace, as a warning notice linking the device', async () => {
    const { core, alerts, notices, connect } = await lab();
    const device = await connect();
    device.destroy();
    await eventually(() => core.hub.registry.get('greenhouse-1')?.online === false, 2000, 'offline');
    await sleep(GRACE_MS / 2);
    expect(alerts).toEqual([]);
    await eventually(() => alerts.length > 0, 3000, 'alert');
    await sleep(GRACE_MS);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'device', id: 'greenhouse-1', reason: 'closed_by_peer' });
    expect((alerts[0] as { offlineMs: number }).offlineMs).toBeGreaterThanOrEqual(GRACE_MS - 50);
    const offline = notices.filter((n) => n.alert === 'offline');
    expect(offline).toEqual([{ level: 'warn', text: 'greenhouse-1 is offline: closed by peer — for 1 s', device: 'greenhouse-1', alert: 'offline' }]);
  });

  it("names the device by the user's label", async () => {
    const { alerts, notices, connect, call } = await lab();
    const device = await connect();
    await call('devices.label', { id: 'greenhouse-1', label: 'Greenhouse' });
    device.destroy();
    await eventually(() => notices.some((n) => n.alert === 'offline'), 3000, 'notice');
    expect(alerts[0]).toMatchObject({ label: 'Greenhouse' });
    expect(notices.find((n) => n.alert === 'offline')?.text).toBe('greenhouse-1 (Greenhouse) is offline: closed by peer — for 1 s');
  });

  it('a device back within the grace raises nothing', async () => {
    const { alerts, notices, connect } = await lab();
    (await connect()).destroy();
    await sleep(GRACE_MS / 4);
    await connect();
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
    expect(notices.filter((n) => n.alert === 'offline')).toEqual([]);
  });

  it('a broker pause and a shutdown raise nothing', async () => {
    const { core, alerts, connect } = await lab();
    await connect();
    await core.pause();
    await eventually(() => core.hub.registry.get('greenhouse-1')?.online === false, 2000, 'offline by the pause');
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
    await core.resume();
    await connect();
    await core.broker.close('shutdown'); // the hub stays up: only the reason keeps it quiet
    await eventually(() => core.hub.registry.get('greenhouse-1')?.online === false, 2000, 'offline by the shutdown');
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
  });

  it('a device that dropped (peer closed) is not alerted when the user pauses the broker within its grace, nor after the resume', async () => {
    const { core, alerts, notices, connect } = await lab();
    (await connect()).destroy();
    await eventually(() => core.hub.offlineAlerts.pendingCount === 1, 2000, 'alert pending');
    await sleep(GRACE_MS / 4);
    await core.pause();
    await sleep(GRACE_MS / 4);
    await core.resume(); // the device stays away: the pause already answered for its drop
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
    expect(notices.filter((n) => n.alert === 'offline')).toEqual([]);
  });

  it('a device that timed out (keepalive) is not alerted when the user pauses the broker within its grace', async () => {
    const { core, alerts, connect } = await lab({}, { keepalive: { intervalMs: 100, deadlineMs: 100 } });
    await connect({ answerPings: false });
    await eventually(() => core.hub.registry.get('greenhouse-1')?.lastDisconnectReason?.startsWith('keepalive_timeout'), 3000, 'offline by the keepalive');
    expect(core.hub.offlineAlerts.pendingCount).toBe(1);
    await core.pause();
    expect(core.hub.offlineAlerts.pendingCount).toBe(0);
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
  });

  it('a device that dropped is not alerted when the broker shuts down within its grace (the hub hears it from the sessions it closes)', async () => {
    const { core, alerts, connect, call } = await lab();
    const { token } = await call('tokens.create', { id: 'lamp-1' });
    const lamp = await V2Client.connect(core.tcpPort);
    cleanups.push(() => lamp.destroy());
    expect(await lamp.login(token)).toBe(200);
    (await connect()).destroy();
    await eventually(() => core.hub.offlineAlerts.pendingCount === 1, 2000, 'alert pending');
    await core.broker.close('shutdown'); // the hub stays up: the lamp's session closing with 'shutdown' tells it
    expect(core.hub.offlineAlerts.pendingCount).toBe(0);
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
  });

  it('a token revoked or a device redirected by the user raises nothing', async () => {
    const { core, alerts, connect, call } = await lab();
    await connect();
    expect(await call('broker.redirect', { device: 'greenhouse-1', host: '192.0.2.10', port: 8080 })).toEqual({ redirected: 1 });
    await eventually(() => core.hub.registry.get('greenhouse-1')?.online === false, 5000, 'offline by the redirect');
    await connect();
    await call('tokens.revoke', { id: 'greenhouse-1' });
    await eventually(() => core.hub.registry.get('greenhouse-1')?.online === false, 2000, 'offline by the revoke');
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
  });

  it('raises nothing when offline alerts are turned off in the settings', async () => {
    const { alerts, connect } = await lab({ offlineAlerts: false });
    (await connect()).destroy();
    await sleep(GRACE_MS * 1.5);
    expect(alerts).toEqual([]);
  });
});
