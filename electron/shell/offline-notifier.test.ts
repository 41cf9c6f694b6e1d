import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BURST, BURST_WINDOW_MS, MAX_TRACKED, OfflineNotifier } from './offline-notifier';

describe('offline notifications', () => {
  let shown: string[];
  let enabled: boolean;
  let notifier: OfflineNotifier;
  beforeEach(() => {
    vi.useFakeTimers();
    shown = [];
    enabled = true;
    notifier = new OfflineNotifier({ graceMs: async () => 30_000, enabled: () => enabled, notify: (title) => shown.push(title), now: () => Date.now() });
  });
  afterEach(() => {
    notifier.dispose();
    vi.useRealTimers();
  });

  it('notifies only after the grace period', async () => {
    notifier.offline('lamp-1', 'keepalive timeout');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(shown).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(shown).toEqual(['lamp-1 is offline']);
  });

  it("names the device by the user's label when there is one, and by its id when the lookup fails", async () => {
    notifier.dispose();
    notifier = new OfflineNotifier({
      graceMs: () => 0,
      enabled: () => true,
      notify: (title) => shown.push(title),
      displayName: async (id) => {
        if (id === 'broken') throw new Error('host busy');
        return id === 'esp-3f2a' ? 'Garage door' : id;
      },
    });
    notifier.offline('esp-3f2a', 'keepalive timeout');
    notifier.offline('lamp-1', 'keepalive timeout');
    notifier.offline('broken', 'keepalive timeout');
    await vi.advanceTimersByTimeAsync(10);
    expect(shown.sort()).toEqual(['Garage door (esp-3f2a) is offline', 'broken is offline', 'lamp-1 is offline']);
  });

  it('stays quiet when the device comes back within the grace period', async () => {
    notifier.offline('lamp-1', 'socket closed');
    await vi.advanceTimersByTimeAsync(10_000);
    notifier.online('lamp-1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toEqual([]);
    expect(notifier.pendingCount).toBe(0);
  });

  it('stays quiet when the device comes back before the grace lookup answers', async () => {
    notifier.offline('lamp-1', 'socket closed');
    notifier.online('lamp-1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toEqual([]);
  });

  it('does nothing when the user turned it off', async () => {
    enabled = false;
    notifier.offline('lamp-1', 'x');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toEqual([]);
  });

  it(`shows at most ${BURST} per ${BURST_WINDOW_MS} ms, then one summary`, async () => {
    for (let i = 0; i < 10; i++) notifier.offline(`dev-${i}`, 'power cut');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(shown).toHaveLength(BURST);
    await vi.advanceTimersByTimeAsync(BURST_WINDOW_MS);
    expect(shown).toHaveLength(BURST + 1);
    expect(shown.at(-1)).toBe(`${10 - BURST} more devices offline`);
  });

  it(`tracks at most ${MAX_TRACKED} pending devices`, () => {
    for (let i = 0; i < MAX_TRACKED + 50; i++) notifier.offline(`dev-${i}`, 'x');
    expect(notifier.pendingCount).toBe(MAX_TRACKED);
  });
});
