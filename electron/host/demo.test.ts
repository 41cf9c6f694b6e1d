import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventBatch } from '../../shared/api/contract';
import { eventually } from '../broker/testing/fixtures';
import { tempDir } from '../hub/testing/temp-dir';
import { HostConfig } from './config';
import { DEMO_DEVICES, demoDevices, startDemo, type Demo } from './demo';
import { startHost, type Host } from './host';

const SIM = 'firmware/build/hypertcp-sim';
const haveSim = existsSync(SIM);
if (!haveSim) console.log(`demo test skipped: ${SIM} is not built (make -C firmware sim)`);

describe.runIf(haveSim)('demo mode with the firmware simulator', () => {
  const tmp = tempDir('hypertcp-demo-');
  let host: Host;
  let demo: Demo | null = null;
  afterAll(async () => {
    await demo?.stop();
    await host?.close();
    tmp.cleanup();
  });

  it('brings relays and sensors online with telemetry, and a toggle is confirmed by the device', async () => {
    host = await startHost(HostConfig.parse({ db: join(tmp.dir, 'demo.db'), tcpPort: 0, httpPort: 0, demo: true }));
    expect(host.core.udpPort).not.toBeNull(); // the demo turns UDP on
    const batches: EventBatch[] = [];
    host.core.api.subscribe((b) => {
      batches.push(b);
      host.core.api.ack(b.seq);
    });
    demo = startDemo(host.core, SIM, () => {});
    expect(demo).not.toBeNull();
    const registry = host.core.hub.registry;
    await eventually(() => DEMO_DEVICES.every((d) => registry.get(d.id)?.online), 10_000, 'demo devices online');
    await eventually(() => typeof registry.get('greenhouse-1')!.telemetry.temp === 'number', 5000, 'telemetry');
    expect(registry.get('lamp-1')!.controls.map((c) => c.id)).toContain('relay1');
    // sensors send telemetry over their UDP session, relays stay on TCP
    expect(registry.get('greenhouse-1')!.transport).toBe('udp');
    expect(registry.get('lamp-1')!.transport).toBe('tcp');

    const before = registry.get('lamp-1')!.controlState.relay1;
    const r = await host.core.api.dispatch('controls.set', { device: 'lamp-1', control: 'relay1', toggle: true });
    expect(r.ok).toBe(true);
    const req = (r as { result: { req: string } }).result.req;
    const result = await eventually(() => batches.flatMap((b) => b.controlResults ?? []).find((c) => c.req === req), 5000, 'confirmation');
    expect(result.outcome).toBe('confirmed');
    expect(result.value).toBe(!before);
    expect(registry.get('lamp-1')!.controlState.relay1).toBe(!before);
  }, 30_000);

  it('starts a lab of the size asked for (--demo-devices), relays and sensors, and a single relay alone', async () => {
    const big = await startHost(HostConfig.parse({ db: join(tmp.dir, 'demo-big.db'), tcpPort: 0, httpPort: 0, demo: true, demoDevices: 24 }));
    const bigDemo = startDemo(big.core, SIM, () => {}, 24);
    try {
      const lab = demoDevices(24);
      await eventually(() => lab.every((d) => big.core.hub.registry.get(d.id)?.online), 15_000, '24 demo devices online');
      expect(big.core.hub.registry.get('sensor-023')!.transport).toBe('udp');
      expect(big.core.hub.registry.get('relay-024')!.controls.map((c) => c.id)).toContain('relay1');
    } finally {
      await bigDemo?.stop();
      await big.close();
    }
    // one device: a relay only, no sensor simulator (it would refuse to start without devices)
    const one = await startHost(HostConfig.parse({ db: join(tmp.dir, 'demo-one.db'), tcpPort: 0, httpPort: 0, demo: true }));
    const oneDemo = startDemo(one.core, SIM, () => {}, 1);
    try {
      expect(oneDemo!.children).toHaveLength(1);
      await eventually(() => one.core.hub.registry.get('lamp-1')?.online, 10_000, 'lamp-1 online');
    } finally {
      await oneDemo?.stop();
      await one.close();
    }
  }, 40_000);
});
