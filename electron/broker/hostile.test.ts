import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeFrame } from '../../shared/protocol/frame';
import { BaseClient } from './testing/base-client';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import { V2Client } from './testing/v2-client';

let t: TestBroker;
afterEach(async () => t?.close());

/** A raw connection that records whether the broker closed it and what it sent first. */
async function raw(port: number): Promise<LegacyClient> {
  return new LegacyClient(await BaseClient.tcp(port));
}

describe('bad framing closes the connection with a recorded reason', () => {
  it('unknown type (malformed header)', async () => {
    t = await startTestBroker(['a']);
    const closes = collectCloses(t.broker);
    const a = await t.legacy('a');
    a.write(Uint8Array.of(0x07, 0x00, 0x01, 0x00, 0x00));
    await a.waitClosed();
    expect(closes).toEqual([['a', 'protocol_error', 'unknown_type']]);
  });

  it('declared length over the limit, refused from the header before any body byte', async () => {
    t = await startTestBroker(['a'], { limits: { maxPayload: 1024 } });
    const closes = collectCloses(t.broker);
    const a = await t.v2('a');
    a.write(Uint8Array.of(Command.JSON_MESSAGE, 0x00, 0x09, 0x04, 0x01)); // length 1025, no body follows
    await a.waitClosed();
    expect(closes).toEqual([['a', 'protocol_error', 'too_large']]);
  });

  it('before login the payload limit is smaller (8 KiB): a larger LOGIN is refused from its header', async () => {
    t = await startTestBroker(['a', 'b']);
    const closes = collectCloses(t.broker);
    const c = await raw(t.port);
    c.write(Uint8Array.of(Command.LOGIN, 0x00, 0x01, 0x20, 0x01)); // length 8193, no body follows
    await c.waitClosed();
    expect(c.frames).toEqual([]);
    expect(closes).toEqual([[null, 'protocol_error', 'login_too_large']]);

    // The largest realistic description (32 labelled controls, 32 telemetry channels) fits...
    const controls = Array.from({ length: 32 }, (_, i) =>
      i % 4 === 0
        ? { id: `dimmer${i + 1}`, kind: 'slider', label: `Dimmer ${i + 1} (living room)`, min: 0, max: 255, step: 1 }
        : i % 4 === 1
          ? { id: `mode${i + 1}`, kind: 'select', label: `Mode ${i + 1}`, options: ['off', 'eco', 'comfort', 'boost'] }
          : { id: `relay${i + 1}`, kind: 'relay', label: `Garage relay ${i + 1}` },
    );
    const telemetry = Array.from({ length: 32 }, (_, i) => ({ id: `temp${i + 1}`, label: `Temperature ${i + 1}`, unit: 'C' }));
    const device = { name: 'greenhouse-controller-01', fw: '1.4.2', board: 'esp32-devkitc', controls, telemetry };
    expect(JSON.stringify({ v: 2, token: testToken('a'), device, udp: true }).length).toBeGreaterThan(4_000);
    const a = await t.v2('a', {}, device);
    expect(t.broker.session('a')?.device?.controls).toHaveLength(32);
    // ...and after login the full limit applies (16 KiB by default).
    const b = await t.v2('b');
    expect(await a.send('b', JSON.stringify({ blob: 'x'.repeat(12_000) }))).toBe(Status.SUCCESS);
    await b.waitMessages(1);
    expect(closes).toHaveLength(1);
  });

  it('first frame not LOGIN', async () => {
    t = await startTestBroker([]);
    const closes = collectCloses(t.broker);
    const c = await raw(t.port);
    c.write(encodeFrame(Command.PING, 1));
    await c.waitClosed();
    expect(c.frames).toEqual([]);
    expect(closes).toEqual([[null, 'protocol_error', 'expected_login']]);
  });

  it('second LOGIN', async () => {
    t = await startTestBroker(['a']);
    const closes = collectCloses(t.broker);
    const a = await t.legacy('a');
    a.write(encodeFrame(Command.LOGIN, 1, testToken('a')));
    await a.waitClosed();
    expect(closes).toEqual([['a', 'protocol_error', 'second_login']]);
    expect(a.violations).toEqual([]);
  });

  it('REDIRECT from a device', async () => {
    t = await startTestBroker(['a']);
    const closes = collectCloses(t.broker);
    const a = await t.v2('a');
    a.write(encodeFrame(Command.REDIRECT, 5, '{"server":"x","port":1}'));
    await a.waitClosed();
    expect(closes).toEqual([['a', 'protocol_error', 'redirect_from_device']]);
  });

  it('wrong token: the seed firmware gets 00 00 01 00 01 09, then the close', async () => {
    t = await startTestBroker(['a']);
    const closes = collectCloses(t.broker);
    const c = await raw(t.port);
    await expect(c.login('not-the-token-at-all')).rejects.toThrow(/status 9/);
    expect([...encodeFrame(c.frames[0]!.type, c.frames[0]!.msgId, c.frames[0]!.payload)]).toEqual([0, 0, 1, 0, 1, 9]);
    await c.waitClosed();
    expect(closes).toEqual([[null, 'auth_failed', 'invalid_token']]);
  });
});

describe('hostile JSON is refused without closing, and nothing leaks', () => {
  it('__proto__, constructor targets, huge strings, arrays as targetId', async () => {
    t = await startTestBroker(['a', 'b', 'a-device-with-a-rather-long-identifier-0123456789'], { limits: { maxPayload: 4096 } });
    const a = await t.v2('a');
    const b = await t.v2('b');
    const send = (json: string) => a.sendRaw(Command.JSON_MESSAGE, json);
    expect(await send('{"targetId":"b","payload":{"__proto__":{"polluted":1}}}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":"b","payload":{"x":{"y":{"__proto__":1}}}}')).toBe(Status.MALFORMED);
    expect(await send('{"__proto__":{"targetId":"b"},"targetId":"b","payload":{}}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":["b"],"payload":{}}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":{"id":"b"},"payload":{}}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":"b","payload":[1,2]}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":"b","targetId":"a","payload":{}}')).toBe(Status.MALFORMED);
    // A key twice in one object of the payload: JSON.parse (the panel) keeps the last, other readers the first.
    expect(await send('{"targetId":"b","payload":{"relay":true,"relay":false}}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":"b","payload":{"set":[{"on":1,"\\u006fn":0}]}}')).toBe(Status.MALFORMED);
    expect(await send('{"targetId":"b","payload":' + '{"a":'.repeat(40) + '1' + '}'.repeat(41))).toBe(Status.MALFORMED);
    const badUtf8 = Buffer.concat([Buffer.from('{"targetId":"b","payload":{"s":"'), Buffer.of(0xff, 0xfe), Buffer.from('"}}')]);
    expect(await a.sendRaw(Command.JSON_MESSAGE, badUtf8)).toBe(Status.MALFORMED);
    expect(await send('{"targetId":"constructor","payload":{}}')).toBe(Status.TARGET_UNKNOWN);
    expect(await send('{"targetId":"__proto__","payload":{}}')).toBe(Status.TARGET_UNKNOWN);
    // A huge string that fits the sender's frame, but not the envelope delivered to the target
    // (a longer "from" than "targetId").
    const long = await t.v2('a-device-with-a-rather-long-identifier-0123456789');
    const fits = `{"targetId":"b","payload":{"s":"${'x'.repeat(4096 - 36)}"}}`;
    expect(await long.sendRaw(Command.JSON_MESSAGE, fits)).toBe(Status.PAYLOAD_TOO_LARGE);
    expect(t.broker.sendFromServer('b', `{"s":"${'x'.repeat(4096)}"}`)).toMatchObject({ ok: false, status: Status.PAYLOAD_TOO_LARGE });
    // A string over the frame limit is refused from the header: connection closed.
    const v2Login = await V2Client.connect(t.port);
    expect(await v2Login.login(testToken('b'), { name: 'x'.repeat(10_000) }).catch(() => -1)).toBe(-1);
    await v2Login.waitClosed();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(b.messages).toEqual([]);
    expect(a.closed).toBe(false);
    expect(await a.send('server', '{"still":"fine"}')).toBe(Status.SUCCESS);
    expect(t.broker.session('a')!.counters.errorsByKind.malformed).toBe(11);
  });

  it('a legacy sender of bad envelopes only ever gets empty acks', async () => {
    t = await startTestBroker(['a']);
    const a = await t.legacy('a');
    const ids = [a.send('nobody', '{}'), a.send('a', '[1]')];
    a.writeFrame(Command.JSON_MESSAGE, 77, '{"targetId":["x"],"payload":{}}');
    await a.waitFor(() => a.acks.length === 3 || undefined, 1_000, 'three acks');
    expect(a.acks.map((f) => [f.msgId, f.payload.length])).toEqual([[ids[0], 0], [ids[1], 0], [77, 0]]);
    expect(a.violations).toEqual([]);
  });
});

describe('slowloris', () => {
  it('a partial header held open before login hits the login deadline', async () => {
    t = await startTestBroker([], { limits: { loginTimeoutMs: 100 } });
    const closes = collectCloses(t.broker);
    const c = await raw(t.port);
    // Four of the five header bytes, one every 30 ms: the header never completes.
    const header = [Command.LOGIN, 0x00, 0x01, 0x00];
    const dribble = setInterval(() => header.length > 0 && c.write(Uint8Array.of(header.shift()!)), 30);
    await c.waitClosed(1_000);
    clearInterval(dribble);
    expect(closes).toEqual([[null, 'login_timeout']]);
  });

  it('a partial frame dribbled after login is no sign of life: keepalive closes it', async () => {
    t = await startTestBroker(['a'], { keepalive: { intervalMs: 60, deadlineMs: 60 } });
    const closes = collectCloses(t.broker);
    const a = await t.v2('a', { answerPings: false });
    const frame = encodeFrame(Command.JSON_MESSAGE, 9, '{"targetId":"server","payload":{"x":"' + 'y'.repeat(200) + '"}}');
    let i = 0;
    const dribble = setInterval(() => i < frame.length && a.write(frame.subarray(i, ++i)), 10);
    await a.waitClosed(2_000);
    clearInterval(dribble);
    expect(i).toBeLessThan(frame.length);
    expect(closes).toEqual([['a', 'keepalive_timeout']]);
  });
});

describe('deadlines when the wall clock steps back', () => {
  afterEach(() => vi.restoreAllMocks());
  const stepBack = (ms: number): void => {
    const wall = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => wall() - ms);
  };

  it('a connection that never logs in is still closed at the login deadline', async () => {
    t = await startTestBroker([], { limits: { loginTimeoutMs: 100 } });
    const closes = collectCloses(t.broker);
    const c = await raw(t.port);
    await new Promise((r) => setTimeout(r, 20));
    stepBack(3_600_000); // NTP or the user sets the clock an hour back
    await c.waitClosed(1_000);
    expect(closes).toEqual([[null, 'login_timeout']]);
  });

  it('a silent session is still pinged and closed at the keepalive deadline', async () => {
    t = await startTestBroker(['a'], { keepalive: { intervalMs: 60, deadlineMs: 60 } });
    const closes = collectCloses(t.broker);
    const a = await t.v2('a', { answerPings: false });
    stepBack(3_600_000);
    await a.waitClosed(1_000);
    expect(closes).toEqual([['a', 'keepalive_timeout']]);
  });

  it('a redirected session is still closed after the grace period', async () => {
    t = await startTestBroker(['a'], { redirectGraceMs: 50 });
    const closes = collectCloses(t.broker);
    const a = await t.v2('a');
    expect(t.broker.redirect('a', '10.0.0.5', 8081)).toBe(1);
    stepBack(3_600_000);
    await a.waitClosed(1_000);
    expect(closes).toEqual([['a', 'redirected']]);
  });
});

describe('flood above the rate limit', () => {
  it('v2 senders get RATE_LIMITED past the bucket; legacy get empty acks; others unaffected', async () => {
    t = await startTestBroker(['v2', 'old', 'calm', 'sink'], { limits: { ratePerSecond: 100, rateBurst: 50 } });
    const flooder = await t.v2('v2');
    const legacy = await t.legacy('old');
    const calm = await t.v2('calm');
    const sink = await t.v2('sink');
    const ids = Array.from({ length: 400 }, () => flooder.post('sink', '{"f":1}'));
    for (let i = 0; i < 400; i++) legacy.send('sink', '{"l":1}');
    const statuses = await Promise.all(ids.map((id) => flooder.status(id)));
    const ok = statuses.filter((s) => s === Status.SUCCESS).length;
    const limited = statuses.filter((s) => s === Status.RATE_LIMITED).length;
    expect(ok + limited).toBe(400);
    expect(ok).toBeGreaterThanOrEqual(50);
    expect(ok).toBeLessThan(120);
    await legacy.waitFor(() => legacy.acks.length === 400 || undefined, 2_000, 'legacy acks');
    expect(legacy.violations).toEqual([]);
    expect(t.broker.session('old')!.counters.rateLimited).toBeGreaterThan(200);
    expect(await calm.send('sink', '{"calm":1}')).toBe(Status.SUCCESS);
    await eventually(() => sink.messages.some((m) => m.from === 'calm'), 1_000, 'calm message');
    expect(t.broker.stats().rateLimited).toBe(limited + t.broker.session('old')!.counters.rateLimited);
  });
});
