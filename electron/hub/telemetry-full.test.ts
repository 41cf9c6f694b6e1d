import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TELEMETRY_KEYS } from './registry';
import { hubOnFile } from './testing/hub-on-file';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-telemetry-full-');
afterAll(() => tmp.cleanup());

const report = (channels: string[]) => Buffer.from(JSON.stringify({ telemetry: Object.fromEntries(channels.map((c) => [c, 1])) }));
const names = (from: number, n: number) => Array.from({ length: n }, (_, i) => `t_${from + i}`);

describe('hub: a device that sends more telemetry channel names than are kept', () => {
  it('says so once per device, naming it and what to do, instead of silently never recording its new channels', async () => {
    const { db, hub } = hubOnFile(`${tmp.dir}/full.db`);
    for (const id of ['buggy', 'other']) hub.registry.sessionOpened({ id, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null });
    hub.onServerMessage('buggy', report(names(0, MAX_TELEMETRY_KEYS)));
    expect(hub.takeDelta().notices).toEqual([]);

    hub.onServerMessage('buggy', report(['temp'])); // the 65th name: a real channel, refused
    expect(hub.registry.get('buggy')!.telemetry).not.toHaveProperty('temp');
    const notices = hub.takeDelta().notices;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warn', device: 'buggy' });
    expect(notices[0]!.text).toMatch(/^telemetry: buggy has sent 64 channel names; new ones \(such as "temp"\) are not recorded\..*fix it, then forget the device/);

    // once per device: more refused names say nothing more
    hub.onServerMessage('buggy', report(names(1000, 10)));
    expect(hub.takeDelta().notices).toEqual([]);
    // another device is told about on its own
    hub.onServerMessage('other', report(names(0, MAX_TELEMETRY_KEYS + 1)));
    expect(hub.takeDelta().notices.map((n) => n.device)).toEqual(['other']);

    // forgotten, the device starts over and would be told about again
    hub.forgetDevice('buggy');
    hub.registry.sessionOpened({ id: 'buggy', address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null });
    hub.onServerMessage('buggy', report(['temp']));
    expect(hub.registry.get('buggy')!.telemetry).toEqual({ temp: 1 });
    hub.onServerMessage('buggy', report(names(0, MAX_TELEMETRY_KEYS)));
    expect(hub.takeDelta().notices.filter((n) => n.text.startsWith('telemetry:')).map((n) => n.device)).toEqual(['buggy']);
    await hub.close();
    db.close();
  });
});
