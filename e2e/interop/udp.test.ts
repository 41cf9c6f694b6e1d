/**
 * Interop over UDP: the real broker with the real UdpTransport (electron/udp) and the real
 * firmware (simulator binary with --udp: UdpLink + UdpPeer over a POSIX socket). A sensor's
 * telemetry reaches "server" over UDP, a relay toggle round-trips over UDP, a UDP device and a
 * TCP device exchange messages without knowing it, and the UDP session ends with the TCP one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bindUdp, UdpTransport, type UdpSessionInfo } from '../../electron/udp';
import { buildSim, SimProcess, TestBroker, until } from './harness';

const DEVICES = {
  'temp-u': 'temp-u-token-0123456789AB',
  'lamp-u': 'lamp-u-token-0123456789AB',
  'lamp-t': 'lamp-t-token-0123456789AB',
};
const spec = (kind: string, id: keyof typeof DEVICES): string => `${kind}:${id}:${DEVICES[id]}`;

let udp: UdpTransport;
let broker: TestBroker;
const sims: SimProcess[] = [];

function sim(devices: string[], extra: string[] = []): SimProcess {
  const s = new SimProcess(broker.port, devices, extra);
  sims.push(s);
  return s;
}

function udpSession(id: string): UdpSessionInfo | undefined {
  return udp.sessions().find((s) => s.deviceId === id && s.state === 'open');
}

/** Waits for `ID udp open SID` and checks the broker agrees on the session id. */
async function udpOpen(s: SimProcess, id: string): Promise<UdpSessionInfo> {
  const m = await s.waitFor(new RegExp(`^${id} udp open (\\d+)$`));
  const session = await until(`UDP session of ${id}`, () => udpSession(id));
  expect(session.sessionId).toBe(Number(m[1]));
  return session;
}

beforeAll(async () => {
  buildSim();
  udp = new UdpTransport({ socket: await bindUdp(0, '127.0.0.1') });
  broker = await TestBroker.start({ devices: DEVICES, udp });
}, 120_000);

afterEach(async () => {
  for (const s of sims.splice(0)) expect(await s.stop()).toBe(0);
  await until('sessions to close', () => (broker.broker.sessions().length === 0 ? true : undefined));
  await until('UDP sessions to close', () => (udp.sessions().length === 0 ? true : undefined));
});

afterAll(async () => {
  await broker?.close();
  udp?.close();
});

describe('firmware simulator <-> broker over UDP', () => {
  it("a UDP sensor's telemetry reaches server over UDP", async () => {
    const s = sim([spec('sensor', 'temp-u')], ['--udp', '--rate', '50']);
    await udpOpen(s, 'temp-u');
    expect(broker.broker.session('temp-u')?.udp).toBe(true);
    // A telemetry line the device sent over UDP, then the same message at "server".
    const sent = await s.waitFor(/^temp-u sent telemetry (\{.*"seq":(\d+)\}\}) via udp$/);
    const payload = await broker.serverMessage('temp-u', (p) => (p.telemetry as { seq?: number } | undefined)?.seq === Number(sent[2]));
    expect(payload).toEqual(JSON.parse(sent[1]!));
    await until('20 UDP telemetry messages at the broker', () => {
      const c = udpSession('temp-u')?.counters;
      return c && c.messagesReceived >= 20 ? c : undefined;
    });
    const code = await s.stop();
    expect(code).toBe(0);
    const done = s.lines.at(-1)!.match(/^sim done \(signal\) sent=(\d+) .* udp=(\d+)$/);
    expect(done).not.toBeNull();
    // Everything after the session opened went over UDP: at most the first few went over TCP.
    const [total, overUdp] = [Number(done![1]), Number(done![2])];
    expect(overUdp).toBeGreaterThanOrEqual(20);
    expect(total - overUdp).toBeLessThanOrEqual(s.count(/^temp-u sent telemetry .* via tcp$/));
    const atServer = broker.toServer.filter((m) => m.from === 'temp-u').length;
    expect(atServer).toBeGreaterThanOrEqual(overUdp - 5); // unreliable: loopback loses (almost) none
  });

  it('a relay toggle over UDP round-trips (command and state report both over UDP)', async () => {
    const s = sim([spec('relay', 'lamp-u')], ['--udp']);
    const session = await udpOpen(s, 'lamp-u');
    const before = session.counters!;
    const sent = broker.broker.sendFromServer('lamp-u', '{"cmd":"toggle","control":"relay1","req":"u1"}');
    expect(sent.ok).toBe(true);
    const report = await broker.serverMessage('lamp-u', (p) => p.req === 'u1');
    expect(report).toEqual({ state: { relay1: true, relay2: false }, req: 'u1' });
    await s.waitFor(/^lamp-u message from server \{"cmd":"toggle","control":"relay1","req":"u1"\}$/);
    await s.waitFor(/^lamp-u sent state \{"state":\{"relay1":true,"relay2":false\},"req":"u1"\} via udp$/);
    const after = udpSession('lamp-u')!.counters!;
    expect(after.messagesSent - before.messagesSent).toBeGreaterThanOrEqual(1); // the command went over UDP
    expect(after.messagesReceived - before.messagesReceived).toBeGreaterThanOrEqual(1); // the report too
  });

  it('a UDP device and a TCP device exchange messages without knowing it', async () => {
    const overUdp = sim([spec('relay', 'lamp-u')], ['--udp']);
    const overTcp = sim([spec('relay', 'lamp-t')]);
    await udpOpen(overUdp, 'lamp-u');
    await overTcp.waitFor(/^lamp-t connected as lamp-t /);
    expect(broker.broker.session('lamp-t')?.udp).toBeFalsy();
    expect(udp.sessions().some((x) => x.deviceId === 'lamp-t')).toBe(false);
    // UDP device -> TCP device.
    broker.broker.sendFromServer('lamp-u', '{"cmd":"send","to":"lamp-t","payload":{"hello":"from-udp"}}');
    await overUdp.waitFor(/^lamp-u sent send \{"hello":"from-udp"\} via udp$/);
    await overTcp.waitFor(/^lamp-t message from lamp-u \{"hello":"from-udp"\}$/);
    // TCP device -> UDP device (delivered over UDP).
    const received = udpSession('lamp-u')!.counters!.messagesSent;
    broker.broker.sendFromServer('lamp-t', '{"cmd":"send","to":"lamp-u","payload":{"hello":"from-tcp"}}');
    await overUdp.waitFor(/^lamp-u message from lamp-t \{"hello":"from-tcp"\}$/);
    expect(udpSession('lamp-u')!.counters!.messagesSent).toBeGreaterThan(received);
  });

  it('the UDP session ends with the TCP session and a new login opens a new one', async () => {
    const s = sim([spec('relay', 'lamp-u')], ['--udp']);
    const first = await udpOpen(s, 'lamp-u');
    broker.broker.disconnect('lamp-u', 'server_error', 'test');
    await s.waitFor(/^lamp-u disconnected /);
    await s.waitFor(/^lamp-u udp closed /);
    // The device reconnects (backoff) and gets a fresh session id.
    const m = await s.waitFor(/^lamp-u udp open (\d+)$/, 8000, s.lines.findIndex((l) => l.startsWith('lamp-u udp closed')));
    expect(Number(m[1])).not.toBe(first.sessionId);
    await until('the new UDP session at the broker', () => (udpSession('lamp-u')?.sessionId === Number(m[1]) ? true : undefined));
    // Still working: a toggle round-trips on the new session.
    broker.broker.sendFromServer('lamp-u', '{"cmd":"toggle","control":"relay2","req":"u2"}');
    expect(await broker.serverMessage('lamp-u', (p) => p.req === 'u2')).toEqual({ state: { relay1: false, relay2: true }, req: 'u2' });
  });

  it('against a broker without UDP a --udp device says so and stays on TCP', async () => {
    const plain = await TestBroker.start({ devices: DEVICES });
    try {
      const s = new SimProcess(plain.port, [spec('relay', 'lamp-u')], ['--udp']);
      try {
        await s.waitFor(/^lamp-u udp unavailable$/);
        await s.waitFor(/^lamp-u sent state \{"state":\{"relay1":false,"relay2":false\}\} via tcp$/);
        plain.broker.sendFromServer('lamp-u', '{"cmd":"toggle","control":"relay1","req":"t1"}');
        expect(await plain.serverMessage('lamp-u', (p) => p.req === 't1')).toEqual({ state: { relay1: true, relay2: false }, req: 't1' });
        expect(s.count(/ udp open /)).toBe(0);
      } finally {
        expect(await s.stop()).toBe(0);
      }
    } finally {
      await plain.close();
    }
  });
});
