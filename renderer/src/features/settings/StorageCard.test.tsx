// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StorageStats } from '../../../../shared/api/contract';
import { createFakeClient } from '../../api/fake-client';
import { renderWith, setup } from '../../test-utils';
import { StorageCard, StorageDetails } from './StorageCard';

afterEach(cleanup);

const MiB = 1024 * 1024;
const stats = (over: Partial<StorageStats['traffic']> = {}): StorageStats => ({
  path: '/home/me/.local/share/hypertcp-panel/hypertcp.db',
  fileBytes: 300 * MiB,
  walBytes: 4 * MiB,
  traffic: { rows: 1_234_567, bytes: 256 * MiB, oldestTs: 1_000_000 - 3 * 3_600_000, capBytes: 512 * MiB, maxAgeDays: 7, queued: 0, dropped: 0, ...over },
  telemetry: { rows: 43_200, oldestTs: 1_000_000 - 2 * 3_600_000, maxAgeDays: 30, maxRows: 5_000_000, skipped: 0 },
  writes: { rounds: 9_876, slowestMs: 31.5, slowRounds: 0, slowMs: 50 },
  writer: { mode: 'thread', failure: null, written: 1_234_567, inFlight: 128 },
});

describe('storage card', () => {
  it('shows the file, the log against its cap and the write rounds', () => {
    render(<StorageDetails stats={stats()} now={1_000_000} />);
    expect(screen.getByText('/home/me/.local/share/hypertcp-panel/hypertcp.db')).toBeTruthy();
    expect(screen.getByTestId('storage-traffic').textContent).toBe('1,234,567 messages, 256.0 MiB of 512.0 MiB (50 %)');
    expect((screen.getByTestId('storage-meter') as HTMLMeterElement).value).toBe(0.5);
    expect(screen.getByText(/oldest from 3 h 0 min ago; kept for 7 days/)).toBeTruthy();
    expect(screen.getByTestId('storage-writes').textContent).toBe('9,876 rounds since start, slowest 31.5 ms');
  });

  it('shows the stored telemetry and its limits, and warns when readings were not kept', () => {
    const s = stats();
    render(<StorageDetails stats={s} now={1_000_000} />);
    expect(screen.getByTestId('storage-telemetry').textContent).toBe('43,200 minute rows, oldest from 2 h 0 min ago; kept for 30 days, at most 5,000,000 rows (the oldest go first)');
    cleanup();
    render(<StorageDetails stats={{ ...s, telemetry: { ...s.telemetry, rows: 0, oldestTs: null, skipped: 12 } }} now={1_000_000} />);
    expect(screen.getByTestId('storage-telemetry').textContent).toBe(
      'none yet (a minute is stored when it ends); kept for 30 days, at most 5,000,000 rows (the oldest go first) · 12 readings were not kept (more devices or channels in a minute than the limits, or the write queue was full)',
    );
  });

  it('warns when messages were not logged and says what is waiting and what was slow', () => {
    const s = stats({ queued: 2_000, dropped: 17 });
    s.writes.slowRounds = 3;
    render(<StorageDetails stats={s} now={1_000_000} />);
    const writes = screen.getByTestId('storage-writes').textContent!;
    expect(writes).toContain('3 over 50 ms');
    expect(writes).toContain('2,000 messages waiting');
    expect(writes).toContain('17 messages were not logged (the write queue was full)');
  });

  it('says which thread writes traffic rows, and warns with the reason when the background thread failed', () => {
    const s = stats();
    render(<StorageDetails stats={s} now={1_000_000} />);
    expect(screen.getByTestId('storage-writer').textContent).toBe('background thread · 1,234,567 rows written · 128 in flight');
    cleanup();
    render(<StorageDetails stats={{ ...s, writer: { mode: 'main', failure: null, written: 0, inFlight: 0 } }} now={1_000_000} />);
    expect(screen.getByTestId('storage-writer').textContent).toBe('main thread');
    expect(screen.getByTestId('storage-writer').querySelector('.error-text')).toBeNull();
    cleanup();
    render(<StorageDetails stats={{ ...s, writer: { mode: 'main', failure: 'the writer thread could not open the database', written: 0, inFlight: 0 } }} now={1_000_000} />);
    const failed = screen.getByTestId('storage-writer');
    expect(failed.textContent).toBe('main thread · the background thread failed: the writer thread could not open the database; writing on the main thread slows devices under heavy traffic');
    expect(failed.querySelector('.error-text')).toBeTruthy();
    cleanup();
    render(<StorageDetails stats={{ ...s, writer: { mode: 'main', failure: 'the writer thread exited (1)', written: 5_000, inFlight: 0 } }} now={1_000_000} />);
    expect(screen.getByTestId('storage-writer').textContent).toContain('the background thread failed: the writer thread exited (1) (after writing 5,000 rows);');
  });

  it('asks the host and says so when it cannot', async () => {
    const client = createFakeClient();
    client.handlers['storage.stats'] = () => stats({ oldestTs: null, rows: 0, bytes: 0 });
    renderWith(<StorageCard />, setup(client));
    expect((await screen.findByTestId('storage-traffic')).textContent).toContain('0 messages, 0 B of 512.0 MiB (0 %)');
    expect(screen.getByText(/empty; kept for 7 days/)).toBeTruthy();
    cleanup();
    const failing = createFakeClient();
    failing.handlers['storage.stats'] = () => Promise.reject(new Error('database is locked'));
    renderWith(<StorageCard />, setup(failing));
    expect((await screen.findByText(/Could not read the database's state/)).textContent).toContain('database is locked');
  });

  it('backs up on request: busy while it runs, then says where the copy went', async () => {
    const client = createFakeClient();
    client.handlers['storage.stats'] = () => stats();
    let finish: (r: { path: string; bytes: number; removed: number }) => void = () => undefined;
    client.handlers['storage.backup'] = () => new Promise((resolve) => (finish = resolve));
    renderWith(<StorageCard />, setup(client));
    const button = await screen.findByRole('button', { name: 'Back up now' });
    act(() => button.focus());
    fireEvent.click(button);
    // busy but not disabled (that would drop the focus to the page body): a second press does nothing
    const busy = await screen.findByRole('button', { name: 'Backing up…' });
    expect(busy).toHaveProperty('disabled', false);
    expect(busy.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(busy);
    fireEvent.click(busy);
    expect(client.calls.filter((c) => c.method === 'storage.backup')).toHaveLength(1);
    await act(async () => finish({ path: '/data/backups/hypertcp-20261205-080000-000.db', bytes: 3 * MiB, removed: 1 }));
    expect(screen.getByTestId('backup-result').textContent).toBe('Backed up to /data/backups/hypertcp-20261205-080000-000.db (3.0 MiB); 1 older backup removed');
    expect(screen.getByRole('button', { name: 'Back up now' })).toHaveProperty('disabled', false);
  });
});
