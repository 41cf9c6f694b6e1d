/**
 * Interop over UDP with the real core (broker + hub + API + SQLite, UDP on an ephemeral port) and
 * the real firmware (simulator with --udp): the panel sees the devices on transport 'udp', their
 * telemetry, and a relay toggle sent through the API round-trips over UDP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../shared/api/contract';
import { startCore, type Core } from '../../electron/core';
import { tempDir } from '../../electron/hub/testing/temp-dir';
import { buildSim, SimProcess, until } from './harness';

let core: Core;
let tmp: { dir: string; cleanup: () => void };
let sim: SimProcess;

async function call<M extends keyof Results>(method: M, params: unknown): Promise<Results[M]> {
  const r = await core.api.dispatch(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.result as Results[M];
}

beforeAll(async () => {
  buildSim();
  tmp = tempDir();
  core = await startCore({ dataDir: tmp.dir, tcpPort: 0, udpPort: 0, mode: 'headless' });
  const lamp = await call('tokens.create', { id: 'lamp-c' });
  const sensor = await call('tokens.create', { id: 'temp-c' });
  sim = new SimProcess(core.tcpPort, [`relay:lamp-c:${lamp.token}`, `sensor:temp-c:${sensor.token}`], ['--udp', '--rate', '20']);
}, 120_000);

afterAll(async () => {
  expect(await sim?.stop()).toBe(0);
  await core?.close();
  tmp?.cleanup();
});

describe('firmware simulator <-> core over UDP', () => {
  it('the panel sees both devices on UDP and the sensor telemetry that came over it', async () => {
    expect(core.udpPort).toBeGreaterThan(0);
    await sim.waitFor(/^lamp-c udp open \d+$/);
    await sim.waitFor(/^temp-c udp open \d+$/);
    await sim.waitFor(/^temp-c sent telemetry .* via udp$/);
    await until('transport udp in the registry', () =>
      core.hub.registry.get('lamp-c')?.transport === 'udp' && core.hub.registry.get('temp-c')?.transport === 'udp' ? true : undefined,
    );
    // A sequence number the device sent over UDP shows up in the panel's telemetry (the registry may
    // still hold one sent over TCP before the UDP session opened: wait for a UDP one).
    const sentOverUdp = () => new Set(sim.lines.flatMap((l) => /^temp-c sent telemetry \{.*"seq":(\d+)\}\} via udp$/.exec(l)?.[1] ?? []).map(Number));
    await until('telemetry sent over UDP in the registry', () => {
      const value = core.hub.registry.get('temp-c')?.telemetry.seq;
      return typeof value === 'number' && sentOverUdp().has(value) ? value : undefined;
    });
  });

  it('a toggle from the API reaches the relay over UDP and its state report comes back over UDP', async () => {
    const { req } = await call('controls.set', { device: 'lamp-c', control: 'relay1', toggle: true });
    await sim.waitFor(new RegExp(`^lamp-c message from server \\{.*"req":"${req}".*\\}$`));
    await sim.waitFor(new RegExp(`^lamp-c sent state \\{"state":\\{"relay1":true,"relay2":false\\},"req":"${req}"\\} via udp$`));
    await until('relay1 on in the registry', () => (core.hub.registry.get('lamp-c')?.controlState.relay1 === true ? true : undefined));
  });
});
