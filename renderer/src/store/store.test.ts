import { describe, expect, it, vi } from 'vitest';
import type { TrafficRow } from '../../../shared/api/contract';
import { createFakeClient, fakeDevice, fakeRow, type FakeClient } from '../api/fake-client';
import { ApiCallError } from '../api/errors';
import { HOST_CONNECTING_TEXT, hostHold } from '../components/hostGate';
import { setup, TEST_HELLO } from '../test-utils';
import { HYDRATE_RETRY_MS } from './connection-slice';
import { controlKey, CONTROL_TIMEOUT_MS } from './devices-slice';
import { LIVE_POINTS } from './metrics-slice';
import { PAUSE_CAP, TRAFFIC_CAP } from './traffic-slice';

const point = (ts: number) => ({ ts, msgsIn: 1, msgsOut: 1, bytesIn: 1, bytesOut: 1, errors: 0, drops: 0, rttMs: 1, queueDepth: 0, udpLoss: 0, udpRetransmits: 0, udpSpurious: 0 });

describe('store fed by event batches', () => {
  it('hydrates on open: hello, devices and the traffic page', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 9000 });
    client.handlers['devices.list'] = () => [fakeDevice('b'), fakeDevice('a')];
    client.handlers['traffic.page'] = () => ({ rows: [fakeRow({ seq: 5 }), fakeRow({ seq: 4 })], counters: { logged: 2, shown: 2, dropped: 0, writing: 0 } });
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().rows).toHaveLength(2));
    const s = store.getState();
    expect(s.hostStatus).toBe('open');
    expect(s.hello?.tcpPort).toBe(9000);
    expect(s.deviceIds).toEqual(['a', 'b']);
    expect(s.rows.map((r) => r.seq)).toEqual([4, 5]);
  });

  it('drops rows a batch repeats from the traffic page (one row per seq, also while paused)', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 9000 });
    client.handlers['devices.list'] = () => [];
    client.handlers['traffic.page'] = () => ({ rows: [fakeRow({ seq: 5 }), fakeRow({ seq: 4 })], counters: { logged: 2, shown: 2, dropped: 0, writing: 0 } });
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().rows).toHaveLength(2));
    client.emit({ traffic: [fakeRow({ seq: 5 }), fakeRow({ seq: 6 })] });
    expect(store.getState().rows.map((r) => r.seq)).toEqual([4, 5, 6]);
    store.getState().setPaused(true);
    client.emit({ traffic: [fakeRow({ seq: 6 }), fakeRow({ seq: 7 })] });
    client.emit({ traffic: [fakeRow({ seq: 7 }), fakeRow({ seq: 8 })] });
    store.getState().setPaused(false);
    expect(store.getState().rows.map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]);
  });

  it('tries a failed first load again while the connection stays open, so actions do not stay held', async () => {
    vi.useFakeTimers();
    try {
      const client = createFakeClient();
      let fails = 1;
      client.handlers.hello = () => {
        if (fails-- > 0) throw new ApiCallError('timeout', 'no answer');
        return { ...TEST_HELLO, tcpPort: 9000 };
      };
      client.handlers['devices.list'] = () => [fakeDevice('a')];
      const { store } = setup(client, { answered: false });
      client.setStatus('open');
      await vi.advanceTimersByTimeAsync(0);
      expect(store.getState().hello).toBeNull();
      expect(hostHold(store.getState())).toBe(HOST_CONNECTING_TEXT);
      expect(store.getState().notices.map((n) => n.text)).toEqual(['Could not load from the host: no answer']);
      await vi.advanceTimersByTimeAsync(HYDRATE_RETRY_MS);
      expect(store.getState().hello?.tcpPort).toBe(9000);
      expect(hostHold(store.getState())).toBeNull();
      expect(store.getState().notices.map((n) => n.key)).not.toContain('hydrate');
      // closed before the retry is due: no call until it reopens
      fails = 1;
      client.setStatus('open');
      await vi.advanceTimersByTimeAsync(0);
      client.setStatus('closed', 'gone');
      const calls = client.calls.length;
      await vi.advanceTimersByTimeAsync(2 * HYDRATE_RETRY_MS);
      expect(client.calls.length).toBe(calls);
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts the live charts with the host last 5 minutes: older points in front, live points win', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 9000 });
    client.handlers['devices.list'] = () => [];
    client.handlers['traffic.page'] = () => ({ rows: [], counters: { logged: 0, shown: 0, dropped: 0, writing: 0 } });
    let answer: (points: ReturnType<typeof point>[]) => void = () => undefined;
    client.handlers['metrics.topTalkers'] = () => [{ device: 'busy', msgsPerSecond: 3, bytesPerSecond: 300 }];
    client.handlers['metrics.series'] = (p) =>
      p.device === 'busy' ? [{ ...point(101_000), msgsIn: 2, msgsOut: 1 }, { ...point(102_000), msgsIn: 4, msgsOut: 0 }] : new Promise((resolve) => (answer = resolve));
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(client.calls.some((c) => c.method === 'metrics.series')).toBe(true));
    expect(client.calls.find((c) => c.method === 'metrics.series')!.params).toEqual({ range: '5m' });
    // a live point arrives while the history is on its way; the host's copy of that second loses
    client.emit({ metrics: { ...point(103_000), msgsIn: 42 }, deviceRates: { busy: 7 } });
    answer([point(100_000), point(101_000), point(102_000), point(103_000)]);
    await vi.waitFor(() => expect(store.getState().live).toHaveLength(4));
    expect(store.getState().live.map((p) => p.ts)).toEqual([100_000, 101_000, 102_000, 103_000]);
    expect(store.getState().live.at(-1)!.msgsIn).toBe(42);
    // the busiest device's rate history gets its older seconds in front of the live sample
    await vi.waitFor(() => expect(store.getState().rateHistory.busy).toHaveLength(3));
    expect(store.getState().rateHistory.busy!.map((p) => p.v)).toEqual([3, 4, 7]);
    // the live sample is of the second its metrics point closes (not the batch's arrival), as the loaded ones are
    expect(store.getState().rateHistory.busy!.map((p) => p.ts)).toEqual([101_000, 102_000, 103_000]);
    expect(store.getState().notices).toEqual([]);
  });

  it('keeps one point per second when the history already holds the second the host pushes next', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 9000 });
    client.handlers['devices.list'] = () => [];
    client.handlers['traffic.page'] = () => ({ rows: [], counters: { logged: 0, shown: 0, dropped: 0, writing: 0 } });
    client.handlers['metrics.topTalkers'] = () => [];
    client.handlers['metrics.series'] = () => [point(100_000), point(101_000), point(102_000)];
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().live).toHaveLength(3));
    client.emit({ metrics: { ...point(102_000), msgsIn: 9 } });
    client.emit({ metrics: point(103_000) });
    expect(store.getState().live.map((p) => p.ts)).toEqual([100_000, 101_000, 102_000, 103_000]);
    expect(store.getState().live[2]!.msgsIn).toBe(9);
  });

  it('says so when the 5-minute history cannot be loaded, and keeps the live points', async () => {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO, tcpPort: 9000 });
    client.handlers['devices.list'] = () => [];
    client.handlers['traffic.page'] = () => ({ rows: [], counters: { logged: 0, shown: 0, dropped: 0, writing: 0 } });
    client.handlers['metrics.series'] = () => Promise.reject(new Error('boom'));
    const { store } = setup(client);
    client.emit({ metrics: point(5_000) });
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().notices.map((n) => n.text).join()).toContain('last 5 minutes of metrics'));
    expect(store.getState().live.map((p) => p.ts)).toEqual([5_000]);
  });

  it('applies a batch in one update and merges changed devices', () => {
    const { client, store } = setup();
    let updates = 0;
    store.subscribe(() => updates++);
    client.emit({ devices: [fakeDevice('x'), fakeDevice('y')], traffic: [fakeRow(), fakeRow()], metrics: point(1) });
    expect(updates).toBe(1);
    client.emit({ devices: [fakeDevice('x', { online: false, lastDisconnectReason: 'keepalive timeout' })] });
    const s = store.getState();
    expect(s.deviceIds).toEqual(['x', 'y']);
    expect(s.devices.x?.online).toBe(false);
    expect(s.devices.x?.lastDisconnectReason).toBe('keepalive timeout');
    expect(s.rows).toHaveLength(2);
    expect(s.live).toHaveLength(1);
    expect(s.lastBatchSeq).toBe(2);
  });

  it('keeps traffic, metrics and telemetry bounded', () => {
    const { client, store } = setup();
    for (let b = 0; b < 12; b++) client.emit({ traffic: Array.from({ length: 1000 }, () => fakeRow()), metrics: point(b) });
    for (let b = 0; b < LIVE_POINTS + 50; b++) client.emit({ metrics: point(1000 + b) });
    const s = store.getState();
    expect(s.rows).toHaveLength(TRAFFIC_CAP);
    expect(s.rows[s.rows.length - 1]!.seq).toBeGreaterThan(s.rows[0]!.seq);
    expect(s.live).toHaveLength(LIVE_POINTS);
    expect(s.live[s.live.length - 1]!.ts).toBe(1000 + LIVE_POINTS + 49);
  });

  it('buffers while paused up to the cap, counts the overflow, and resumes in order', () => {
    const { client, store } = setup();
    client.emit({ traffic: [fakeRow({ seq: 1 })] });
    store.getState().setPaused(true);
    client.emit({ traffic: [fakeRow({ seq: 2 }), fakeRow({ seq: 3 })], trafficSkipped: 7 });
    expect(store.getState().rows.map((r) => r.seq)).toEqual([1]);
    expect(store.getState().buffered).toHaveLength(2);
    expect(store.getState().skipped).toBe(7);
    client.emit({ traffic: Array.from({ length: PAUSE_CAP }, (_, i) => fakeRow({ seq: 10 + i })) });
    expect(store.getState().buffered).toHaveLength(PAUSE_CAP);
    expect(store.getState().pauseDropped).toBe(2);
    store.getState().setPaused(false);
    const s = store.getState();
    expect(s.buffered).toHaveLength(0);
    expect(s.rows).toHaveLength(TRAFFIC_CAP);
    expect(s.rows[s.rows.length - 1]!.seq).toBe(10 + PAUSE_CAP - 3);
  });

  it('control: pending, then confirmed by the result carrying its req', async () => {
    const client = createFakeClient();
    client.handlers['controls.set'] = () => ({ req: 'r1' });
    const { store } = setup(client);
    client.emit({ devices: [fakeDevice('lamp')] });
    const done = store.getState().setControl('lamp', 'relay1', { value: true });
    expect(store.getState().controls[controlKey('lamp', 'relay1')]?.status).toBe('pending');
    await done;
    expect(client.calls.at(-1)).toEqual({ method: 'controls.set', params: { device: 'lamp', control: 'relay1', value: true } });
    client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'other', outcome: 'failed' }] });
    expect(store.getState().controls[controlKey('lamp', 'relay1')]?.status).toBe('pending');
    client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'r1', outcome: 'confirmed', value: true }] });
    const op = store.getState().controls[controlKey('lamp', 'relay1')]!;
    expect(op.status).toBe('confirmed');
    expect(op.value).toBe(true);
  });

  it('control: a result that arrives before the call returns still confirms it', async () => {
    const client = createFakeClient();
    let release!: () => void;
    client.handlers['controls.set'] = () => new Promise((resolve) => (release = () => resolve({ req: 'early' })));
    const { store } = setup(client);
    const done = store.getState().setControl('lamp', 'relay1', { toggle: true });
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'early', outcome: 'confirmed', value: false }] });
    release();
    await done;
    expect(store.getState().controls[controlKey('lamp', 'relay1')]?.status).toBe('confirmed');
  });

  it('control: fails with the host error, or after the timeout without a report', async () => {
    vi.useFakeTimers();
    try {
      const client = createFakeClient();
      const { store } = setup(client);
      await store.getState().setControl('lamp', 'relay1', { value: true });
      expect(store.getState().controls[controlKey('lamp', 'relay1')]).toMatchObject({ status: 'failed', error: 'fake has no controls.set' });
      client.handlers['controls.set'] = () => ({ req: 'r9' });
      await store.getState().setControl('lamp', 'relay1', { value: false });
      expect(store.getState().controls[controlKey('lamp', 'relay1')]?.status).toBe('pending');
      vi.advanceTimersByTime(CONTROL_TIMEOUT_MS + 1);
      expect(store.getState().controls[controlKey('lamp', 'relay1')]?.status).toBe('failed');
    } finally {
      vi.useRealTimers();
    }
  });

  it('control: a confirmation that comes after the timeout turns the failure into confirmed', async () => {
    vi.useFakeTimers();
    try {
      const client = createFakeClient();
      client.handlers['controls.set'] = () => ({ req: 'r-late' });
      const { store } = setup(client);
      client.emit({ devices: [fakeDevice('lamp')] });
      await store.getState().setControl('lamp', 'relay1', { value: true });
      vi.advanceTimersByTime(CONTROL_TIMEOUT_MS + 1);
      expect(store.getState().controls[controlKey('lamp', 'relay1')]).toMatchObject({ status: 'failed', error: 'no state report within 10 s' });
      // another command's result changes nothing; this one's late confirmation does
      client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'other', outcome: 'confirmed', value: false }] });
      expect(store.getState().controls[controlKey('lamp', 'relay1')]?.status).toBe('failed');
      client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'r-late', outcome: 'confirmed', value: true }] });
      const op = store.getState().controls[controlKey('lamp', 'relay1')]!;
      expect(op).toMatchObject({ status: 'confirmed', value: true, req: 'r-late' });
      expect(op.error).toBeUndefined();
      // a failure the device reported is not undone by anything later
      client.handlers['controls.set'] = () => ({ req: 'r-refused' });
      await store.getState().setControl('lamp', 'relay1', { value: false });
      client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'r-refused', outcome: 'failed', error: 'unknown_control' }] });
      client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'r-refused', outcome: 'confirmed', value: false }] });
      expect(store.getState().controls[controlKey('lamp', 'relay1')]).toMatchObject({ status: 'failed', error: 'the device reported a failure' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('control: a failure is an error notice (the compact toggle shows no status); a late confirmation takes a timeout\'s back', async () => {
    vi.useFakeTimers();
    try {
      const client = createFakeClient();
      const { store } = setup(client);
      client.emit({ devices: [fakeDevice('lamp', { controls: [{ id: 'relay1', kind: 'relay', label: 'Relay 1' }] })] });
      const errors = () => store.getState().notices.filter((n) => n.level === 'error').map((n) => n.text);
      await store.getState().setControl('lamp', 'relay1', { value: true });
      expect(errors()).toEqual(['Relay 1 of lamp failed: fake has no controls.set']);
      store.getState().dismissAllNotices();
      client.handlers['controls.set'] = () => ({ req: 'r-refused' });
      await store.getState().setControl('lamp', 'relay1', { value: false });
      client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'r-refused', outcome: 'failed' }] });
      expect(errors()).toEqual(['Relay 1 of lamp failed: the device reported a failure']);
      store.getState().dismissAllNotices();
      client.handlers['controls.set'] = () => ({ req: 'r-late' });
      await store.getState().setControl('lamp', 'relay1', { value: true });
      vi.advanceTimersByTime(CONTROL_TIMEOUT_MS + 1);
      expect(errors()).toEqual(['Relay 1 of lamp failed: no state report within 10 s']);
      client.emit({ controlResults: [{ device: 'lamp', control: 'relay1', req: 'r-late', outcome: 'confirmed', value: true }] });
      expect(errors()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('records numeric telemetry history per device and channel', () => {
    const { client, store } = setup();
    client.emit({ ts: 1, devices: [fakeDevice('s', { telemetry: { temp: 20, label: 'x' } })] });
    client.emit({ ts: 500, devices: [fakeDevice("s", { telemetry: { temp: 99 } })] });
    client.emit({ ts: 1001, devices: [fakeDevice("s", { telemetry: { temp: 21, label: "x" } })] });
    expect(store.getState().telemetryHistory.s).toEqual({ temp: [{ ts: 1, v: 20 }, { ts: 1001, v: 21 }] });
  });

  it('keeps host notices, bounded', () => {
    const { client, store } = setup();
    for (let i = 0; i < 10; i++) client.emit({ notices: [{ level: 'warn', text: `n${i}` }] });
    const notices = store.getState().notices;
    expect(notices.length).toBeLessThanOrEqual(6);
    expect(notices.at(-1)?.text).toBe('n9');
  });
});

describe('metrics ranges chosen quickly', () => {
  it("keeps the newest choice's answer: an older one (another device, the same range) or its failure coming later changes nothing", async () => {
    const client = createFakeClient();
    const answers = new Map<string, { resolve: (p: ReturnType<typeof point>[]) => void; reject: (e: Error) => void }>();
    client.handlers['metrics.series'] = (p) =>
      new Promise((resolve, reject) => answers.set(`${p.device ?? 'all'}/${p.range}`, { resolve, reject }));
    const { store } = setup(client);
    const first = store.getState().setRange('24h', 'lamp-a');
    const second = store.getState().setRange('24h', 'lamp-b');
    answers.get('lamp-b/24h')!.resolve([point(2)]);
    await second;
    answers.get('lamp-a/24h')!.resolve([point(1)]);
    await first;
    expect(store.getState().historical).toEqual([point(2)]);
    const third = store.getState().setRange('1h', 'lamp-b');
    const fourth = store.getState().setRange('30d', 'lamp-b');
    answers.get('lamp-b/30d')!.resolve([point(4)]);
    await fourth;
    answers.get('lamp-b/1h')!.reject(new Error('timed out'));
    await third;
    expect(store.getState()).toMatchObject({ range: '30d', historical: [point(4)], historicalLoading: false });
    expect(store.getState().notices).toEqual([]);
  });
});

describe('a forgotten device', () => {
  it('takes its live samples and control states with it from the store', () => {
    const client = createFakeClient();
    const { store } = setup(client);
    client.emit({ devices: [fakeDevice('lamp', { telemetry: { temp: 21 } }), fakeDevice('fan', { telemetry: { temp: 19 } })] });
    store.setState({ controls: { [controlKey('lamp', 'relay1')]: { req: null, status: 'confirmed', value: true, startedAt: 0 }, [controlKey('fan', 'relay1')]: { req: null, status: 'confirmed', value: false, startedAt: 0 } } });
    expect(Object.keys(store.getState().telemetryHistory).sort()).toEqual(['fan', 'lamp']);
    client.emit({ removedDevices: ['lamp'] });
    expect(Object.keys(store.getState().telemetryHistory)).toEqual(['fan']);
    expect(Object.keys(store.getState().controls)).toEqual([controlKey('fan', 'relay1')]);
    expect(store.getState().deviceIds).toEqual(['fan']);
  });
});

describe('the traffic list after a reconnect', () => {
  /** A fake host with a traffic log of `log` (oldest first) that pages like the host's, newest first. */
  function hostWithLog(log: TrafficRow[]) {
    const client = createFakeClient();
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [];
    client.handlers['traffic.page'] = ({ beforeSeq, limit }) => ({
      rows: log.filter((r) => r.seq < (beforeSeq ?? Infinity)).reverse().slice(0, limit ?? 200),
      counters: { logged: log.length, shown: 0, dropped: 0, writing: 0 },
    });
    return client;
  }
  const logOf = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => fakeRow({ seq: from + i }));
  const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const pageCalls = (client: FakeClient) => client.calls.filter((c) => c.method === 'traffic.page').length;

  it('has the rows logged while the tab was disconnected, once each, between the older ones and the live ones', async () => {
    const log = logOf(1, 3);
    const client = hostWithLog(log);
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().rows.map((r) => r.seq)).toEqual([1, 2, 3]));
    client.setStatus('closed', 'connection lost');
    log.push(...logOf(4, 10));
    client.setStatus('open');
    // the new connection's first batch comes before the page
    client.emit({ traffic: log.slice(8) });
    expect(store.getState().rows.map((r) => r.seq)).toEqual([1, 2, 3, 9, 10]);
    await vi.waitFor(() => expect(pageCalls(client)).toBe(2));
    await vi.waitFor(() => expect(store.getState().rows.map((r) => r.seq)).toEqual(seqs(1, 10)));
    client.emit({ traffic: [...log.slice(9), fakeRow({ seq: 11 })] });
    expect(store.getState().rows.map((r) => r.seq)).toEqual(seqs(1, 11));
  });

  it('pages back over a gap longer than a page, and keeps the list bounded', async () => {
    const log = logOf(1, 700);
    const client = hostWithLog(log);
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().rows).toHaveLength(700));
    client.setStatus('closed', 'connection lost');
    log.push(...logOf(701, 2605));
    client.setStatus('open');
    client.emit({ traffic: log.slice(2600) });
    await vi.waitFor(() => expect(store.getState().rows).toHaveLength(2605));
    expect(store.getState().rows.map((r) => r.seq)).toEqual(seqs(1, 2605));
    // two pages reach back to the rows it had (2605..1606, 1605..606)
    expect(pageCalls(client)).toBe(1 + 2);
    // a gap longer than the list: the newest TRAFFIC_CAP rows, whole, in at most TRAFFIC_CAP / 1000 pages
    client.setStatus('closed', 'connection lost');
    log.push(...logOf(2606, 9000));
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().rows.at(-1)?.seq).toBe(9000));
    expect(store.getState().rows.map((r) => r.seq)).toEqual(seqs(9001 - TRAFFIC_CAP, 9000));
    expect(pageCalls(client)).toBe(3 + TRAFFIC_CAP / 1000);
  });

  it('after the host starts a new log (seqs from 1 again), shows its rows instead of the old ones, paused or not', async () => {
    for (const paused of [false, true]) {
      const log = logOf(4001, 5000);
      const client = hostWithLog(log);
      const { store } = setup(client);
      client.setStatus('open');
      await vi.waitFor(() => expect(store.getState().rows.at(-1)?.seq).toBe(5000));
      store.getState().setPaused(paused);
      store.getState().select(store.getState().rows.at(-1)!);
      client.setStatus('closed', 'connection lost');
      log.splice(0, log.length, ...logOf(1, 3));
      client.setStatus('open');
      client.emit({ traffic: log.slice(2) }); // the new connection's first batch, before the page
      await vi.waitFor(() => expect(store.getState().rows.map((r) => r.seq)).toEqual([1, 2, 3]));
      expect(store.getState()).toMatchObject({ buffered: [], selected: null });
      // and the live rows after them join as usual
      client.emit({ traffic: [fakeRow({ seq: 4 })] });
      expect([...store.getState().rows, ...store.getState().buffered].map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    }
  });

  it('while paused, the rows logged meanwhile wait in the buffer and come in order on resume', async () => {
    const log = logOf(1, 3);
    const client = hostWithLog(log);
    const { store } = setup(client);
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().rows).toHaveLength(3));
    store.getState().setPaused(true);
    client.emit({ traffic: [fakeRow({ seq: 4 })] });
    log.push(fakeRow({ seq: 4 }));
    client.setStatus('closed', 'connection lost');
    log.push(...logOf(5, 8));
    client.setStatus('open');
    await vi.waitFor(() => expect(store.getState().buffered.map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]));
    expect(store.getState().rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    store.getState().setPaused(false);
    expect(store.getState().rows.map((r) => r.seq)).toEqual(seqs(1, 8));
  });
});
