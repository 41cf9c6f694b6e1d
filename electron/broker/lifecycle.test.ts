import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { NATIVE_LAZY_MS } from './native/wire';
import { BaseClient } from './testing/base-client';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import { V2Client } from './testing/v2-client';
import type { FrameEvent, SessionInfo } from './types';

let t: TestBroker;
afterEach(async () => t?.close());

describe('session lifecycle', () => {
  it('replaces a live session when the same token logs in again', async () => {
    t = await startTestBroker(['lamp', 'switch']);
    const closes: [string, string][] = [];
    t.broker.on('session:close', (info: SessionInfo, reason) => closes.push([info.id, reason]));
    const first = await t.legacy('lamp');
    const second = await t.v2('lamp');
    await first.waitClosed();
    expect(closes).toEqual([['lamp', 'replaced']]);
    const sw = await t.v2('switch');
    expect(await sw.send('lamp', '{"n":1}')).toBe(Status.SUCCESS);
    await second.waitMessages(1);
    expect(t.broker.sessions().map((s) => s.id).sort()).toEqual(['lamp', 'switch']);
  });

  it('revoke closes the live session at once and the token stops working', async () => {
    t = await startTestBroker(['lamp']);
    const closes = collectCloses(t.broker);
    const lamp = await t.legacy('lamp');
    expect(t.broker.revoke('lamp')).toBe(true);
    await lamp.waitClosed();
    expect(closes).toContainEqual(['lamp', 'revoked']);
    const again = await LegacyClient.connect(t.port);
    await expect(again.login(testToken('lamp'))).rejects.toThrow(/status 9/);
    again.destroy();
    expect(t.broker.revoke('lamp')).toBe(false);
  });

  it('rotate issues a new token and closes the session that used the old one', async () => {
    t = await startTestBroker(['lamp']);
    const closes = collectCloses(t.broker);
    const lamp = await t.legacy('lamp');
    const fresh = t.broker.rotate('lamp');
    await lamp.waitClosed();
    expect(closes).toEqual([['lamp', 'revoked', 'rotated']]);
    expect(t.broker.tokens.verify(testToken('lamp'))).toBeNull();
    const again = await LegacyClient.connect(t.port);
    await again.login(fresh);
    expect(t.broker.session('lamp')?.protocol).toBe('legacy');
    again.destroy();
  });

  it('redirects v2 sessions only, then closes them after the grace period', async () => {
    t = await startTestBroker(['old', 'new', 'other'], { redirectGraceMs: 80 });
    const closes = collectCloses(t.broker);
    const legacy = await t.legacy('old');
    const v2 = await t.v2('new');
    const other = await t.v2('other');
    const traced: string[] = [];
    t.broker.on('frame', (ev) => traced.push(`${ev.dir}:${ev.device}:${ev.cmd}`));
    expect(t.broker.redirect('*', '10.0.0.5', 8081)).toBe(2);
    expect(traced.sort()).toEqual(['out:new:41', 'out:other:41']);
    await v2.waitFor(() => v2.redirects[0], 1_000, 'redirect');
    expect(v2.redirects).toEqual([{ server: '10.0.0.5', port: 8081 }]);
    await v2.waitClosed(3_000);
    await other.waitClosed(3_000);
    expect(closes.filter((c) => c[1] === 'redirected').map((c) => c[0]).sort()).toEqual(['new', 'other']);
    expect(legacy.closed).toBe(false);
    expect(legacy.violations).toEqual([]);
    expect(t.broker.redirect('old', 'h', 1)).toBe(0);
  });

  it('closes a connection that does not log in within the deadline', async () => {
    t = await startTestBroker([], { limits: { loginTimeoutMs: 80 } });
    const closes = collectCloses(t.broker);
    const client = new LegacyClient(await BaseClient.tcp(t.port));
    await client.waitClosed(1_000);
    expect(closes).toEqual([[null, 'login_timeout']]);
  });

  it('closes on shutdown with reason shutdown', async () => {
    t = await startTestBroker(['a']);
    const reasons: string[] = [];
    t.broker.on('session:close', (_info, reason) => reasons.push(reason));
    const a = await t.v2('a');
    await t.broker.close();
    await a.waitClosed();
    expect(reasons).toEqual(['shutdown']);
  });

  it('counts per session and broker-wide', async () => {
    t = await startTestBroker(['a', 'b']);
    const a = await t.v2('a');
    const b = await t.legacy('b');
    for (let i = 0; i < 5; i++) expect(await a.send('b', `{"i":${i}}`)).toBe(Status.SUCCESS);
    await b.waitMessages(5);
    await eventually(() => t.broker.session('b')!.counters.acksIn === 5, 1_000, 'acks');
    const sa = t.broker.session('a')!.counters;
    const sb = t.broker.session('b')!.counters;
    expect([sa.msgsIn, sa.acksOut, sb.msgsOut, sb.acksIn]).toEqual([5, 5, 5, 5]);
    expect(sb.bytesOut).toBeGreaterThan(6 + 5 * 20);
    const stats = t.broker.stats();
    expect([stats.sessions, stats.loginsOk, stats.msgsIn, stats.msgsOut]).toEqual([2, 2, 5, 5]);
    a.destroy();
    await eventually(() => t.broker.stats().sessions === 1, 1_000, 'a gone');
    expect(t.broker.stats()).toMatchObject({ msgsIn: 5, disconnects: { closed_by_peer: 1 } });
  });

  it('does not count an ack it did not send (the sender was closed while its message was handled)', async () => {
    t = await startTestBroker(['a']);
    t.broker.on('server:message', (m) => t.broker.disconnect(m.from));
    const a = await t.v2('a');
    const id = a.post('server', '{"bye":1}');
    await a.waitClosed();
    expect(a.frames.filter((f) => f.msgId === id)).toEqual([]);
    expect(t.broker.stats()).toMatchObject({ msgsIn: 1, acksOut: 0, disconnects: { revoked: 1 } });
  });

  it("counts the bytes a closing session still writes (a refused login's reply) in the broker's totals", async () => {
    t = await startTestBroker(['a']);
    const wrong = await V2Client.connect(t.port);
    expect(await wrong.login('not-the-token-0000000')).toBe(Status.INVALID_TOKEN);
    await wrong.waitClosed();
    // the 6-byte status frame, written as the session closed; the login throttle's delay is before it
    expect(t.broker.stats()).toMatchObject({ bytesOut: 6, acksOut: 0, disconnects: { auth_failed: 1 } });
  });

  it('emits nothing when nobody listens', async () => {
    t = await startTestBroker(['a', 'b']);
    const spy = vi.spyOn(t.broker, 'emit');
    const a = await t.v2('a');
    const b = await t.v2('b');
    expect(await a.send('b', '{}')).toBe(Status.SUCCESS);
    expect(await a.send('server', '{}')).toBe(Status.SUCCESS);
    expect(await b.broadcast('{}')).toBe(Status.SUCCESS);
    expect(spy).not.toHaveBeenCalled();
    // ...and emits frames once someone does.
    const frames: string[] = [];
    const listener = (ev: FrameEvent) => frames.push(`${ev.dir}:${ev.device}:${ev.cmd}`);
    t.broker.on('frame', listener);
    expect(await a.send('b', '{}')).toBe(Status.SUCCESS);
    // the native data path hands its traces over a few ms after the ack (NATIVE_LAZY_MS)
    await vi.waitFor(() => expect(frames).toEqual(['in:a:30', 'out:b:30']), { timeout: 1_000 });
    // ...and stops once the last listener is gone.
    t.broker.off('frame', listener);
    spy.mockClear();
    expect(await a.send('b', '{}')).toBe(Status.SUCCESS);
    await new Promise((resolve) => setTimeout(resolve, 4 * NATIVE_LAZY_MS)); // a late trace would be in by now
    expect((spy.mock.calls as unknown[][]).filter((call) => call[0] === 'frame')).toEqual([]);
    expect(Command.JSON_MESSAGE).toBe(30);
  });
});

describe('frame events', () => {
  it("'out' events carry the delivered envelope as payload, and a broadcast's one event counts recipients; 'in' events name the target read", async () => {
    t = await startTestBroker(['a', 'b', 'c']);
    const a = await t.v2('a');
    await t.v2('b');
    await t.legacy('c');
    const seen: [string, string, string | null, number, string, number | undefined][] = [];
    t.broker.on('frame', (ev) => seen.push([ev.dir, ev.device, ev.to, ev.size, Buffer.from(ev.payload).toString(), ev.recipients]));
    expect(await a.send('b', '{"n":1}')).toBe(Status.SUCCESS);
    expect(await a.broadcast('{"all":1}')).toBe(Status.SUCCESS);
    expect(await a.send('ghost', '{"n":2}')).not.toBe(Status.SUCCESS);
    const row = (dir: string, device: string, to: string | null, json: string, recipients?: number) => [dir, device, to, json.length, json, recipients];
    expect(seen).toEqual([
      row('in', 'a', 'b', '{"targetId":"b","payload":{"n":1}}'),
      row('out', 'b', 'b', '{"from":"a","payload":{"n":1}}'),
      row('in', 'a', 'broadcast', '{"targetId":"broadcast","payload":{"all":1}}'),
      row('out', '*', 'broadcast', '{"from":"a","payload":{"all":1}}', 2),
      // refused (no such device), still with the target it named
      row('in', 'a', 'ghost', '{"targetId":"ghost","payload":{"n":2}}'),
    ]);
  });
});

describe('listeners', () => {
  it('events still reach listeners added after removeAllListeners()', async () => {
    t = await startTestBroker(['a', 'b']);
    t.broker.on('session:open', () => {});
    t.broker.removeAllListeners();
    const events: string[] = [];
    t.broker.on('session:open', (s) => events.push(`open ${s.id}`));
    t.broker.on('server:message', (m) => events.push(`server ${m.from}`));
    t.broker.on('session:close', (s, reason) => events.push(`close ${s.id} ${reason}`));
    const a = await t.v2('a');
    expect(await a.send('server', '{"t":1}')).toBe(Status.SUCCESS);
    t.broker.disconnect('a');
    t.broker.removeAllListeners('session:close');
    const b = await t.v2('b');
    t.broker.disconnect('b');
    await a.waitClosed();
    await b.waitClosed();
    expect(events).toEqual(['open a', 'server a', 'close a revoked', 'open b']);
  });
});

describe('events of a session closed by a listener while it opens', () => {
  it('no session:open after that session\'s session:close', async () => {
    t = await startTestBroker(['b']);
    const events: string[] = [];
    t.broker.on('session:open', (s) => events.push(`open ${s.id}`));
    t.broker.on('session:close', (s, reason) => {
      events.push(`close ${s.id} ${reason}`);
      // The app reacts to a replaced session by closing the device's live session (now the new one).
      if (reason === 'replaced') t.broker.disconnect(s.id);
    });
    const first = await t.legacy('b');
    const second = await t.legacy('b');
    await first.waitClosed();
    await second.waitClosed();
    expect(events).toEqual(['open b', 'close b replaced', 'close b revoked']);
    expect(t.broker.sessions()).toEqual([]);
  });
});

describe('v2 login refusals', () => {
  it('refuses an unsupported version and a malformed description with a status, then closes', async () => {
    t = await startTestBroker(['a']);
    const closes = collectCloses(t.broker);
    const old = await V2Client.connect(t.port);
    old.writeFrame(Command.LOGIN, 1, JSON.stringify({ v: 3, token: testToken('a') }));
    await old.waitClosed();
    expect([...old.frames[0]!.payload]).toEqual([Status.UNSUPPORTED_VERSION]);
    // A newer device's login may carry keys v2 does not know: its version is still what is refused.
    const newer = await V2Client.connect(t.port);
    newer.writeFrame(Command.LOGIN, 1, JSON.stringify({ v: 3, token: testToken('a'), caps: ['udp2'] }));
    await newer.waitClosed();
    expect([...newer.frames[0]!.payload]).toEqual([Status.UNSUPPORTED_VERSION]);
    const typo = await V2Client.connect(t.port);
    expect(await typo.login(testToken('a'), { nmae: 'x' })).toBe(Status.MALFORMED);
    await typo.waitClosed();
    expect(closes).toEqual([
      [null, 'auth_failed', 'unsupported_version'],
      [null, 'auth_failed', 'unsupported_version'],
      [null, 'auth_failed', 'malformed_login'],
    ]);
  });
});
