import { afterAll, describe, expect, it } from 'vitest';
import { hubOnFile } from './testing/hub-on-file';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-control-response-');
afterAll(() => tmp.cleanup());

const session = (id: string) => ({ id, address: '127.0.0.1', transport: 'tcp' as const, protocol: 'v2' as const, device: null, connectedAt: 0, rttMs: null });
const report = (o: object) => Buffer.from(JSON.stringify(o));

describe('hub: control response times in the device summary', () => {
  it('a confirmed command, a refused one and a timeout show in the summary, go to the UIs once, and go with forgetDevice', async () => {
    const { db, hub } = hubOnFile(`${tmp.dir}/response.db`);
    hub.registry.sessionOpened(session('lamp'));
    expect(hub.registry.get('lamp')!.controlResponse).toBeNull();
    hub.takeDelta();

    const ok = hub.controls.nextReq();
    hub.controls.add(ok, 'lamp', 'relay1', Date.now() - 42);
    hub.onServerMessage('lamp', report({ state: { relay1: true }, req: ok }));
    const r = hub.registry.get('lamp')!.controlResponse!;
    expect(r).toMatchObject({ count: 1, failed: 0, samples: 1 });
    expect(r.p50Ms).toBeGreaterThanOrEqual(42);
    expect(r.p50Ms).toBeLessThan(1000);

    const refused = hub.controls.nextReq();
    hub.controls.add(refused, 'lamp', 'relay9');
    hub.onServerMessage('lamp', report({ error: 'unknown_control', req: refused }));
    // a failure changes no control state: the summary still goes out because the response times changed
    hub.takeDelta();
    hub.controls.add(hub.controls.nextReq(), 'lamp', 'relay1', 0);
    hub.tick(Date.now());
    const delta = hub.takeDelta();
    expect(delta.controlResults).toMatchObject([{ device: 'lamp', outcome: 'failed', error: 'timeout' }]);
    expect(delta.devices).toEqual(['lamp']);
    expect(hub.registry.get('lamp')!.controlResponse).toMatchObject({ count: 1, failed: 2, timeouts: 1, refused: 1, samples: 1 });
    expect(hub.takeDelta().devices).toEqual([]);

    expect(hub.forgetDevice('lamp')).toBe(true);
    hub.registry.sessionOpened(session('lamp'));
    expect(hub.registry.get('lamp')!.controlResponse).toBeNull();
    // nothing of it is persisted: the stored row has no controlResponse
    hub.flusher.flushAll();
    const row = db.prepare<[string], { data: string }>('SELECT data FROM devices WHERE id = ?').get('lamp')!;
    expect(JSON.parse(row.data)).not.toHaveProperty('controlResponse');
    await hub.close();
    db.close();
  });

  it('calls onUrgent for every result a user waits for (confirmed, refused, timed out), nothing else', async () => {
    const { db, hub } = hubOnFile(`${tmp.dir}/urgent.db`);
    let urgent = 0;
    hub.onUrgent = () => urgent++;
    hub.registry.sessionOpened(session('lamp'));
    hub.onServerMessage('lamp', report({ state: { relay1: false } })); // a state report no command waits for
    hub.onServerMessage('lamp', report({ telemetry: { temp: 20 } }));
    expect(urgent).toBe(0);
    const ok = hub.controls.nextReq();
    hub.controls.add(ok, 'lamp', 'relay1');
    hub.onServerMessage('lamp', report({ state: { relay1: true }, req: ok }));
    expect(urgent).toBe(1);
    const refused = hub.controls.nextReq();
    hub.controls.add(refused, 'lamp', 'relay9');
    hub.onServerMessage('lamp', report({ error: 'unknown_control', req: refused }));
    expect(urgent).toBe(2);
    hub.controls.add(hub.controls.nextReq(), 'lamp', 'relay1', 0);
    hub.tick(Date.now());
    expect(urgent).toBe(3);
    await hub.close();
    db.close();
  });
});
