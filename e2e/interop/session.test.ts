/**
 * Interop: the real broker and the real firmware (simulator binary) in one session's life:
 * v2 and legacy login, messages both ways, device to device, broadcast, relay toggle round trip,
 * and the broker's keepalive ping answered by the device.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSim, SimProcess, TestBroker, until } from './harness';

const LAMP = 'lamp-1';
const LAMP_TOKEN = 'lamp-token-0123456789AB';
const SENSOR = 'temp-1';
const SENSOR_TOKEN = 'temp-token-0123456789AB';

let broker: TestBroker;
const sims: SimProcess[] = [];

function sim(devices: string[], extra: string[] = []): SimProcess {
  const s = new SimProcess(broker.port, devices, extra);
  sims.push(s);
  return s;
}

beforeAll(async () => {
  buildSim();
  // A short keepalive so the broker pings a quiet device within the test's time.
  broker = await TestBroker.start({
    devices: { [LAMP]: LAMP_TOKEN, [SENSOR]: SENSOR_TOKEN },
    keepalive: { intervalMs: 400, deadlineMs: 2000 },
  });
}, 120_000);

afterEach(async () => {
  for (const s of sims.splice(0)) expect(await s.stop()).toBe(0);
  await until('sessions to close', () => (broker.broker.sessions().length === 0 ? true : undefined));
});

afterAll(async () => {
  await broker?.close();
});

describe('firmware simulator <-> broker', () => {
  it('logs in with v2, describing its controls and telemetry', async () => {
    const s = sim([`relay:${LAMP}:${LAMP_TOKEN}`, `sensor:${SENSOR}:${SENSOR_TOKEN}`], ['--rate', '5']);
    await s.waitFor(/^lamp-1 connected as lamp-1 to 127\.0\.0\.1:\d+ \(v2\)$/);
    const lamp = await broker.online(LAMP);
    expect(lamp.protocol).toBe('v2');
    expect(lamp.device?.controls.map((c) => [c.id, c.kind])).toEqual([['relay1', 'relay'], ['relay2', 'relay']]);
    const sensor = await broker.online(SENSOR);
    expect(sensor.device?.telemetry.map((t) => t.id)).toEqual(['temp', 'humidity', 'rssi', 'heap', 'uptime']);
    // Device to server: the relay's initial state and the sensor's telemetry.
    await broker.serverMessage(LAMP, (p) => JSON.stringify(p.state) === '{"relay1":false,"relay2":false}');
    const telemetry = await broker.serverMessage(SENSOR, (p) => (p.telemetry as { seq?: number } | undefined)?.seq === 3);
    expect(typeof (telemetry.telemetry as { temp: unknown }).temp).toBe('number');
    // The broker's v2 acks reach the device as SUCCESS: nothing refused.
    expect(s.count(/ ack \d+ /)).toBe(0);
  });

  it('round-trips a relay toggle and a set, echoing req', async () => {
    const s = sim([`relay:${LAMP}:${LAMP_TOKEN}`]);
    await broker.online(LAMP);
    const sent = broker.broker.sendFromServer(LAMP, '{"cmd":"toggle","control":"relay1","req":"r42"}');
    expect(sent.ok).toBe(true);
    const report = await broker.serverMessage(LAMP, (p) => p.req === 'r42');
    expect(report.state).toEqual({ relay1: true, relay2: false });
    await s.waitFor(/^lamp-1 message from server \{"cmd":"toggle","control":"relay1","req":"r42"\}$/);

    broker.broker.sendFromServer(LAMP, '{"cmd":"set","control":"relay2","value":true,"req":7}');
    expect((await broker.serverMessage(LAMP, (p) => p.req === 7)).state).toEqual({ relay1: true, relay2: true });
    broker.broker.sendFromServer(LAMP, '{"cmd":"toggle","control":"nope","req":"bad"}');
    expect((await broker.serverMessage(LAMP, (p) => p.req === 'bad')).error).toBe('unknown_control');
    // The device acked every delivery.
    await until('acks counted by the broker', () =>
      (broker.broker.session(LAMP)?.counters.acksIn ?? 0) >= 3 ? true : undefined,
    );
  });

  it('carries device-to-device messages and broadcasts (never echoed to the sender)', async () => {
    const s = sim([`relay:${LAMP}:${LAMP_TOKEN}`, `sensor:${SENSOR}:${SENSOR_TOKEN}`], ['--rate', '0']);
    await broker.online(LAMP);
    await broker.online(SENSOR);
    broker.broker.sendFromServer(SENSOR, '{"cmd":"send","to":"lamp-1","payload":{"cmd":"toggle","control":"relay2","req":"d2d"}}');
    await s.waitFor(/^lamp-1 message from temp-1 \{"cmd":"toggle","control":"relay2","req":"d2d"\}$/);
    expect((await broker.serverMessage(LAMP, (p) => p.req === 'd2d')).state).toEqual({ relay1: false, relay2: true });

    broker.broker.sendFromServer(SENSOR, '{"cmd":"broadcast","payload":{"alert":"smoke"}}');
    await s.waitFor(/^lamp-1 broadcast from temp-1 \{"alert":"smoke"\}$/);
    expect(broker.broker.broadcastFromServer('{"notice":1}')).toBe(2);
    await s.waitFor(/^temp-1 broadcast from server \{"notice":1\}$/);
    await s.waitFor(/^lamp-1 broadcast from server \{"notice":1\}$/);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.count(/^temp-1 broadcast from temp-1/)).toBe(0);
  });

  it('answers the broker-initiated keepalive ping (the broker measures the RTT)', async () => {
    const s = sim([`relay:${LAMP}:${LAMP_TOKEN}`]);
    await broker.online(LAMP);
    await s.waitFor(/^lamp-1 ping \d+$/, 3000);
    const rtt = await until('an RTT sample', () => broker.broker.session(LAMP)?.rttMs ?? undefined, 3000);
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(2000); // loopback: milliseconds, with room for a loaded machine
    expect(broker.broker.session(LAMP)).not.toBeNull();  // still online: the answer counted
  });

  it('logs in the legacy way (raw token) and still toggles', async () => {
    const s = sim([`relay:${LAMP}:${LAMP_TOKEN}`], ['--legacy']);
    await s.waitFor(/^lamp-1 connected .* \(legacy\)$/);
    expect((await broker.online(LAMP)).protocol).toBe('legacy');
    broker.broker.sendFromServer(LAMP, '{"cmd":"toggle","control":"relay1","req":"legacy-1"}');
    expect((await broker.serverMessage(LAMP, (p) => p.req === 'legacy-1')).state).toMatchObject({ relay1: expect.any(Boolean) });
  });

  it('reports a refused token and keeps retrying with backoff', async () => {
    const s = sim(['relay:ghost:not-a-real-token-000'], ['--duration', '2.5']);
    await s.waitFor(/^ghost error auth_failed$/);
    expect(await s.exitCode()).toBe(0);
    const attempts = s.count(/^ghost error auth_failed$/);
    expect(attempts).toBeGreaterThanOrEqual(2); // retried
    expect(attempts).toBeLessThanOrEqual(4); // but backed off (1 s, then 2 s ceilings)
    expect(s.lines.at(-1)).toMatch(/^sim done \(duration\) /);
  });

  it('stops by itself after --count messages and refuses bad arguments', async () => {
    const s = sim([`sensor:${SENSOR}:${SENSOR_TOKEN}`], ['--rate', '50', '--count', '5', '--quiet']);
    expect(await s.exitCode()).toBe(0);
    expect(s.lines.at(-1)).toMatch(/^sim done \(count\) sent=5 /);
    expect(s.count(/^temp-1 sent/)).toBe(0); // --quiet
    const bad = sim(['lamp:x:token-0000000000'], []);
    expect(await bad.exitCode()).toBe(2);
    expect(bad.lines.join('\n')).toMatch(/--device must be relay\|sensor:ID:TOKEN/);
    sims.pop(); // already gone, with its own exit code
  });
});
