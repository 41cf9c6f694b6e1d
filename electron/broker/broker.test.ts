import { afterEach, describe, expect, it } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeFrame } from '../../shared/protocol/frame';
import { BaseClient } from './testing/base-client';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import type { ServerMessageEvent } from './types';

let t: TestBroker;
afterEach(async () => t?.close());

describe('login', () => {
  it('answers a legacy login with exactly 00 00 01 00 01 C8 as the first bytes', async () => {
    t = await startTestBroker(['lamp']);
    const socket = await BaseClient.tcp(t.port);
    const first = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(encodeFrame(Command.LOGIN, 1, Buffer.from(testToken('lamp'))));
    expect([...(await first)]).toEqual([0x00, 0x00, 0x01, 0x00, 0x01, 0xc8]);
    socket.destroy();
  });

  it('logs in a seed-firmware client and a v2 client, and lists both sessions', async () => {
    t = await startTestBroker(['lamp', 'sensor']);
    const legacy = await t.legacy('lamp');
    const v2 = await t.v2('sensor', {}, { name: 'Kitchen', fw: '1.2.0', controls: [{ id: 'relay1', kind: 'relay' }] });
    expect(v2.reply).toEqual({ id: 'sensor', keepalive: 10, maxPayload: 16384 });
    const sessions = t.broker.sessions().sort((a, b) => a.id.localeCompare(b.id));
    expect(sessions.map((s) => [s.id, s.protocol, s.transport])).toEqual([['lamp', 'legacy', 'tcp'], ['sensor', 'v2', 'tcp']]);
    expect(sessions[1]!.device?.controls[0]?.id).toBe('relay1');
    expect(legacy.violations).toEqual([]);
  });
});

describe('routing', () => {
  it('routes device to device with {"from","payload"} and acks legacy with an empty RESPONSE', async () => {
    t = await startTestBroker(['a', 'b']);
    const a = await t.legacy('a');
    const b = await t.v2('b');
    const id = a.send('b', '{"cmd":"toggle","n":1}');
    const [msg] = await b.waitMessages(1);
    expect(msg!.raw).toBe('{"from":"a","payload":{"cmd":"toggle","n":1}}');
    expect(msg!.cmd).toBe(Command.JSON_MESSAGE);
    const ack = await a.waitFor(() => a.acks.find((f) => f.msgId === id));
    expect(ack.payload.length).toBe(0);
    // And back: v2 gets SUCCESS, legacy receives it.
    expect(await b.send('a', '{"state":{"relay1":true}}')).toBe(Status.SUCCESS);
    await a.waitMessages(1);
    expect(a.messages[0]!.payload).toEqual({ state: { relay1: true } });
    expect(a.violations).toEqual([]);
  });

  it('delivers messages to "server" as an event and server messages to devices', async () => {
    t = await startTestBroker(['a']);
    const events: ServerMessageEvent[] = [];
    t.broker.on('server:message', (ev) => events.push(ev));
    const a = await t.v2('a');
    expect(await a.send('server', '{"telemetry":{"temp":21.5}}')).toBe(Status.SUCCESS);
    expect(events.map((e) => [e.from, Buffer.from(e.payload).toString()])).toEqual([['a', '{"telemetry":{"temp":21.5}}']]);
    const sent = t.broker.sendFromServer('a', '{"cmd":"set","control":"relay1","value":true}');
    expect(sent.ok).toBe(true);
    const [msg] = await a.waitMessages(1);
    expect(msg!.raw).toBe('{"from":"server","payload":{"cmd":"set","control":"relay1","value":true}}');
    expect(sent).toEqual({ ok: true, msgId: msg!.msgId }); // the id of the frame the device got
    expect(t.broker.sendFromServer('nobody', '{}')).toMatchObject({ ok: false, status: Status.TARGET_UNKNOWN });
    expect(t.broker.sendFromServer('a', '[1]')).toMatchObject({ ok: false, status: Status.MALFORMED });
  });

  it('broadcasts as type 50 to every other device, never back to the sender', async () => {
    t = await startTestBroker(['a', 'b', 'c']);
    const a = await t.legacy('a');
    const b = await t.legacy('b');
    const c = await t.v2('c');
    a.broadcast('{"hello":1}');
    await b.waitMessages(1);
    await c.waitMessages(1);
    expect(b.messages[0]!.cmd).toBe(Command.BROADCAST);
    expect(c.messages[0]!.raw).toBe('{"from":"a","payload":{"hello":1}}');
    expect(t.broker.broadcastFromServer('{"all":true}')).toBe(3);
    await a.waitMessages(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.messages.map((m) => m.from)).toEqual(['server']);
    expect(b.messages.length).toBe(2);
  });

  it('tells a v2 sender why a message was refused', async () => {
    t = await startTestBroker(['a', 'offline']);
    const a = await t.v2('a');
    expect(await a.send('offline', '{}')).toBe(Status.TARGET_OFFLINE);
    expect(await a.send('ghost', '{}')).toBe(Status.TARGET_UNKNOWN);
    expect(await a.sendRaw(Command.JSON_MESSAGE, '{"targetId":"a"}')).toBe(Status.MALFORMED);
    expect(t.broker.session('a')!.counters.errorsByKind).toMatchObject({ target_offline: 1, target_unknown: 1, malformed: 1 });
  });
});

describe('liveness', () => {
  it('answers PING: empty RESPONSE for legacy, SUCCESS for v2', async () => {
    t = await startTestBroker(['a', 'b']);
    const a = await t.legacy('a');
    const id = a.ping();
    const ack = await a.waitFor(() => a.acks.find((f) => f.msgId === id));
    expect([...encodeFrame(ack.type, ack.msgId, ack.payload)]).toEqual([0, id >> 8, id & 0xff, 0, 0]);
    const b = await t.v2('b');
    expect(await b.sendRaw(Command.PING, '')).toBe(Status.SUCCESS);
  });

  it('a seed-firmware client pinging every interval gets an empty RESPONSE for each ping', async () => {
    t = await startTestBroker(['a']);
    const a = await t.legacy('a', { pingIntervalMs: 20 });
    await a.waitFor(() => a.acks.length >= 3 || undefined, 2_000, 'three ping replies');
    expect(a.acks.every((f) => f.type === Command.RESPONSE && f.payload.length === 0)).toBe(true);
    expect(a.violations).toEqual([]);
  });

  it('pings quiet sessions, measures RTT, and closes a silent one with keepalive_timeout', async () => {
    t = await startTestBroker(['a', 'dead'], { keepalive: { intervalMs: 60, deadlineMs: 60 } });
    const closes = collectCloses(t.broker);
    const a = await t.legacy('a', { pingIntervalMs: 0 });
    const dead = await t.v2('dead', { answerPings: false });
    await a.waitFor(() => a.frames.some((f) => f.type === Command.PING), 1_000, 'broker ping');
    await dead.waitClosed(1_000);
    expect(closes).toContainEqual(['dead', 'keepalive_timeout']);
    await eventually(() => t.broker.session('a')?.rttMs != null, 1_000, 'rtt');
    expect(t.broker.session('a')!.rttMs).toBeGreaterThanOrEqual(0);
    expect(a.closed).toBe(false);
  });

  it('probes a busy session for its RTT although it is never quiet for the keepalive interval', async () => {
    t = await startTestBroker(['chatty', 'other'], { keepalive: { intervalMs: 10_000, deadlineMs: 5_000, rttProbeMs: 100 } });
    const chatty = await t.legacy('chatty', { pingIntervalMs: 0 });
    const other = await t.v2('other');
    const traffic = setInterval(() => chatty.send('other', '{"n":1}'), 10);
    try {
      await chatty.waitFor(() => chatty.frames.filter((f) => f.type === Command.PING).length >= 2 || undefined, 3_000, 'two probes');
      await eventually(() => t.broker.session('chatty')?.rttMs != null, 1_000, 'rtt');
      expect(t.broker.session('chatty')!.rttMs).toBeGreaterThanOrEqual(0);
      expect(chatty.violations).toEqual([]);
      expect(chatty.closed || other.closed).toBe(false);
    } finally {
      clearInterval(traffic);
    }
  });

  it('with rttProbeMs 0 a busy session is not pinged', async () => {
    t = await startTestBroker(['chatty', 'other'], { keepalive: { intervalMs: 10_000, deadlineMs: 5_000, rttProbeMs: 0 } });
    const chatty = await t.legacy('chatty', { pingIntervalMs: 0 });
    await t.v2('other');
    const traffic = setInterval(() => chatty.send('other', '{"n":1}'), 10);
    try {
      await new Promise((r) => setTimeout(r, 2_300));
      expect(chatty.frames.filter((f) => f.type === Command.PING)).toEqual([]);
      expect(t.broker.session('chatty')!.rttMs).toBeNull();
    } finally {
      clearInterval(traffic);
    }
  });

  it('traces keepalive PINGs both ways and the answer to a broker PING as frame events', async () => {
    t = await startTestBroker(['a'], { keepalive: { intervalMs: 60, deadlineMs: 500 } });
    const events: { dir: string; cmd: number; device: string }[] = [];
    t.broker.on('frame', (ev: { dir: string; cmd: number; device: string }) => events.push({ dir: ev.dir, cmd: ev.cmd, device: ev.device }));
    const a = await t.legacy('a', { pingIntervalMs: 0 });
    await a.waitFor(() => a.frames.some((f) => f.type === Command.PING) || undefined, 1_000, 'broker ping');
    a.ping();
    await eventually(() => events.some((e) => e.dir === 'in' && e.cmd === Command.PING), 1_000, 'device ping traced');
    await eventually(() => events.some((e) => e.dir === 'in' && e.cmd === Command.RESPONSE), 1_000, 'pong traced');
    expect(events).toContainEqual({ dir: 'out', cmd: Command.PING, device: 'a' });
  });
});
