import { afterAll, describe, expect, it } from 'vitest';
import { MAX_REPORT_DEPTH, parseObject } from './payload-text';
import { hubOnFile } from './testing/hub-on-file';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-server-message-');
afterAll(() => tmp.cleanup());

/** `{"state":{"relay1": [[[...]]]}, "req": ...}` nested `depth` deep: valid JSON of about 2 * depth bytes. */
const deepReport = (depth: number, req?: string) =>
  Buffer.from(`{"state":{"relay1":${'['.repeat(depth)}${']'.repeat(depth)}}${req ? `,"req":"${req}"` : ''}}`);

describe('hub: a device report to "server" that is valid JSON but nested deep', () => {
  it('within the default 16 KiB payload it never throws into the broker (this runs on the frame path), and the device stays usable', async () => {
    const { db, hub } = hubOnFile(`${tmp.dir}/deep.db`);
    hub.registry.sessionOpened({ id: 'lamp', address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null });
    const req = hub.controls.nextReq();
    hub.controls.add(req, 'lamp', 'relay1');
    const report = deepReport(8000, req);
    expect(report.byteLength).toBeLessThan(16 * 1024);
    expect(() => hub.onServerMessage('lamp', report)).not.toThrow();
    expect(hub.registry.get('lamp')!.controlState).toEqual({});
    // what the hub hands the UIs stays serialisable
    expect(() => JSON.stringify(hub.takeDelta())).not.toThrow();
    hub.onServerMessage('lamp', Buffer.from('{"state":{"relay1":true}}'));
    expect(hub.registry.get('lamp')!.controlState).toEqual({ relay1: true });
    await hub.close();
    db.close();
  });
});

describe('parseObject: the depth limit', () => {
  it(`takes reports up to ${MAX_REPORT_DEPTH} levels, brackets inside strings not counted`, () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    expect(parseObject(Buffer.from(nested(MAX_REPORT_DEPTH)))).not.toBeNull();
    expect(parseObject(Buffer.from(nested(MAX_REPORT_DEPTH + 1)))).toBeNull();
    expect(parseObject(Buffer.from(`{"note":"${'[{'.repeat(100)} \\" ${'['.repeat(100)}","ü":"${'{'.repeat(50)}"}`))).toMatchObject({ ü: '{'.repeat(50) });
  });
});
