import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertText, BURST, BURST_WINDOW_MS, MAX_TRACKED, offlineFor, OfflineNotifier, type OfflineAlert } from './offline-alerts';

describe('offline alerts (the bounds)', () => {
  let shown: OfflineAlert[];
  let enabled: boolean;
  let notifier: OfflineNotifier;
  const titles = () => shown.map((a) => alertText(a).title);
  beforeEach(() => {
    vi.useFakeTimers();
    shown = [];
    enabled = true;
    notifier = new OfflineNotifier({ graceMs: () => 30_000, enabled: () => enabled, alert: (a) => shown.push(a), now: () => Date.now() });
  });
  afterEach(() => {
    notifier.dispose();
    vi.useRealTimers();
  });

  it('alerts only after the grace period, saying why and for how long', async () => {
    notifier.offline('lamp-1', 'keepalive_timeout');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(shown).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(shown).toEqual([{ kind: 'device', id: 'lamp-1', label: null, reason: 'keepalive_timeout', offlineMs: 30_000 }]);
    expect(alertText(shown[0]!).line).toBe('lamp-1 is offline: keepalive timeout — for 30 s');
  });

  it("names the device by the user's label as well when there is one", async () => {
    notifier.dispose();
    notifier = new OfflineNotifier({ graceMs: () => 0, enabled: () => true, alert: (a) => shown.push(a), label: (id) => (id === 'greenhouse-1' ? 'Greenhouse' : null) });
    notifier.offline('greenhouse-1', 'keepalive_timeout');
    notifier.offline('lamp-1', 'closed_by_peer');
    await vi.advanceTimersByTimeAsync(10);
    expect(titles().sort()).toEqual(['greenhouse-1 (Greenhouse) is offline', 'lamp-1 is offline']);
  });

  it('stays quiet when the device comes back within the grace period', async () => {
    notifier.offline('lamp-1', 'closed_by_peer');
    await vi.advanceTimersByTimeAsync(10_000);
    notifier.online('lamp-1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toEqual([]);
    expect(notifier.pendingCount).toBe(0);
  });

  it('stays quiet when the device is back by the end of the grace through a session it did not see', async () => {
    notifier.dispose();
    notifier = new OfflineNotifier({ graceMs: () => 0, enabled: () => true, alert: (a) => shown.push(a), stillOffline: () => false });
    notifier.offline('lamp-1', 'closed_by_peer');
    await vi.advanceTimersByTimeAsync(10);
    expect(shown).toEqual([]);
  });

  it('does nothing when alerts are turned off', async () => {
    enabled = false;
    notifier.offline('lamp-1', 'x');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toEqual([]);
  });

  it(`alerts at most ${BURST} times per ${BURST_WINDOW_MS} ms, then once with a summary`, async () => {
    for (let i = 0; i < 10; i++) notifier.offline(`dev-${i}`, 'power cut');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(shown).toHaveLength(BURST);
    await vi.advanceTimersByTimeAsync(BURST_WINDOW_MS);
    expect(shown).toHaveLength(BURST + 1);
    expect(shown.at(-1)).toEqual({ kind: 'summary', count: 10 - BURST });
    expect(titles().at(-1)).toBe(`${10 - BURST} more devices offline`);
  });

  it(`tracks at most ${MAX_TRACKED} pending devices`, () => {
    for (let i = 0; i < MAX_TRACKED + 50; i++) notifier.offline(`dev-${i}`, 'x');
    expect(notifier.pendingCount).toBe(MAX_TRACKED);
  });

  it('says how long in plain units', () => {
    expect([offlineFor(400), offlineFor(30_000), offlineFor(125_000), offlineFor(3_600_000), offlineFor(7_500_000)]).toEqual(['0 s', '30 s', '2 min', '1 h', '2 h 5 min']);
  });
});
