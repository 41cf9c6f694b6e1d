// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeRow } from '../../api/fake-client';
import { renderWith, withLayout } from '../../test-utils';
import { TrafficView } from './TrafficView';

withLayout();

const tele = (seq: number, t: number) => fakeRow({ seq, device: 'probe', from: 'probe', payload: `{"targetId":"server","payload":{"telemetry":{"temp":${t},"rssi":-60}}}` });

describe('traffic view', () => {
  it('groups the digits of large counts (toolbar, waiting count) as the viewer\'s locale does', () => {
    const { client } = renderWith(<TrafficView />);
    act(() => void client.emit({ traffic: [tele(1, 20)], counters: { logged: 1_234_560, shown: 1, dropped: 0, writing: 7 }, trafficSkipped: 12_345 }));
    expect(screen.getByTestId('count-logged').textContent).toMatch(/^1\D234\D567$/);
    expect(screen.getByTestId('count-dropped').textContent).toMatch(/^12\D345$/);
  });

  it('pauses with a waiting count, resumes, and counts logged/shown/dropped', () => {
    const { client } = renderWith(<TrafficView />);
    act(() => void client.emit({ traffic: [tele(1, 20), tele(2, 21)], counters: { logged: 2, shown: 2, dropped: 0, writing: 0 } }));
    expect(screen.getByTestId('count-shown').textContent).toBe('2');
    fireEvent.click(screen.getByTestId('pause-button'));
    act(() => void client.emit({ traffic: [tele(3, 22), tele(4, 23), tele(5, 24)], trafficSkipped: 4, counters: { logged: 9, shown: 5, dropped: 1, writing: 0 } }));
    expect(screen.getByTestId('pause-button').textContent).toBe('Resume (3 waiting)');
    expect(screen.getByTestId('count-shown').textContent).toBe('2');
    expect(screen.getByTestId('count-logged').textContent).toBe('9');
    expect(screen.getByTestId('count-dropped').textContent).toBe('5');
    // "logged" counts this run of the host, "shown" includes rows stored before it: the bar says so
    expect(screen.getByTestId('traffic-counters').textContent).toBe('2 shown · 9 logged since the host started · 5 dropped');
    expect(screen.getByTestId('traffic-counters').title).toMatch(/^shown = rows in this list, with the filter, including ones the host stored before it last started · logged = rows the host took into its log since it started \(0 of them still being written\)/);
    fireEvent.click(screen.getByTestId('pause-button'));
    expect(screen.getByTestId('count-shown').textContent).toBe('5');
  });

  it('counts rows the host has taken but not yet written as logged, and says how many in the title', () => {
    const { client } = renderWith(<TrafficView />);
    const counters = screen.getByTestId('traffic-counters');
    // rows reach the list before the host's writer stores them: 5 shown, 3 stored, 2 being written
    act(() => void client.emit({ traffic: [tele(1, 20), tele(2, 21), tele(3, 22), tele(4, 23), tele(5, 24)], counters: { logged: 3, shown: 5, dropped: 0, writing: 2 } }));
    expect(counters.textContent).toBe('5 shown · 5 logged since the host started · 0 dropped');
    expect(counters.title).toContain('logged = rows the host took into its log since it started (2 of them still being written)');
    // the writer could not store one of them: it moves from being written to dropped
    act(() => void client.emit({ counters: { logged: 4, shown: 5, dropped: 1, writing: 0 } }));
    expect(counters.textContent).toBe('5 shown · 4 logged since the host started · 1 dropped');
  });

  it("shows the inner payload in the list; the filter still matches the stored frame, envelope and all; the detail shows the whole frame", () => {
    vi.useFakeTimers();
    try {
      const { client } = renderWith(<TrafficView />);
      const out = fakeRow({ seq: 2, dir: 'out', device: 'lamp', from: 'server', to: 'lamp', payload: '{"from":"server","payload":{"cmd":"set","relay":1,"on":true}}' });
      act(() => void client.emit({ traffic: [tele(1, 21.4), out] }));
      const cells = () => screen.getAllByTestId('traffic-row').map((r) => r.querySelector('.payload')!);
      expect(cells().map((c) => c.textContent)).toEqual(['telemetry temp=21.4 rssi=-60', 'cmd=set relay=1 on=true']);
      expect(cells()[0]!.getAttribute('title')).toBe('{"telemetry":{"temp":21.4,"rssi":-60}}');
      // free text and fields match what is stored, not what the cell shows
      fireEvent.change(screen.getByLabelText('Traffic filter'), { target: { value: 'targetId' } });
      act(() => void vi.advanceTimersByTime(200));
      expect(cells().map((c) => c.textContent)).toEqual(['telemetry temp=21.4 rssi=-60']);
      fireEvent.change(screen.getByLabelText('Traffic filter'), { target: { value: 'temp=21.4' } });
      act(() => void vi.advanceTimersByTime(200));
      expect(screen.getByTestId('count-shown').textContent).toBe('0');
      fireEvent.change(screen.getByLabelText('Traffic filter'), { target: { value: '' } });
      act(() => void vi.advanceTimersByTime(200));
      fireEvent.click(screen.getAllByTestId('traffic-row')[1]!);
      expect(screen.getByTestId('message-detail').textContent).toContain('from');
    } finally {
      vi.useRealTimers();
    }
  });

  it('filters after a typing pause and marks a bad expression', () => {
    vi.useFakeTimers();
    try {
      const { client } = renderWith(<TrafficView />);
      act(() => void client.emit({ traffic: [tele(1, 20), fakeRow({ seq: 2, device: 'lamp' })] }));
      fireEvent.change(screen.getByLabelText('Traffic filter'), { target: { value: 'device:probe' } });
      expect(screen.getByTestId('count-shown').textContent).toBe('2');
      act(() => void vi.advanceTimersByTime(200));
      expect(screen.getByTestId('count-shown').textContent).toBe('1');
      fireEvent.change(screen.getByLabelText('Traffic filter'), { target: { value: 'dir:up' } });
      act(() => void vi.advanceTimersByTime(200));
      expect(screen.getByLabelText('Traffic filter').getAttribute('aria-invalid')).toBe('true');
    } finally {
      vi.useRealTimers();
    }
  });

  it('opens a frame: header, collapsible JSON tree, hex and diff against the previous of its kind', () => {
    const { client } = renderWith(<TrafficView />);
    act(() => void client.emit({ traffic: [tele(1, 20), fakeRow({ seq: 2, device: 'probe' }), tele(3, 22)] }));
    const rows = screen.getAllByTestId('traffic-row');
    fireEvent.click(rows[2]!);
    const detail = screen.getByTestId('message-detail');
    expect(within(detail).getByTestId('message-header').textContent).toContain('JSON_MESSAGE (30)');
    const toggles = within(detail).getAllByTestId('json-toggle');
    expect(detail.textContent).toContain('temp');
    fireEvent.click(toggles[0]!);
    expect(detail.textContent).toContain('2 keys');
    expect(detail.textContent).not.toContain('temp');
    fireEvent.click(within(detail).getByRole('tab', { name: 'Hex' }));
    expect(within(detail).getByTestId('message-hex').textContent).toMatch(/^0000 {2}7b 22/);
    fireEvent.click(within(detail).getByRole('tab', { name: 'Diff vs previous' }));
    const diff = within(detail).getByTestId('message-diff');
    expect(diff.textContent).toContain('Against #1');
    expect(diff.textContent).toContain('telemetry.temp');
    expect(diff.textContent).toContain('20 → 22');
  });

  it('Escape closes the detail pane, from the pane or the list, and focus goes back to the row it showed', () => {
    const { client, store } = renderWith(<TrafficView />);
    act(() => void client.emit({ traffic: [tele(1, 20), tele(2, 21), tele(3, 22)] }));
    const row = (seq: number) => screen.getAllByTestId('traffic-row').find((r) => r.getAttribute('data-row-key') === String(seq))!;
    act(() => row(2).focus());
    fireEvent.keyDown(row(2), { key: 'Enter' });
    expect(store.getState().selected?.seq).toBe(2);
    // Tab into the pane, then Escape
    const close = screen.getByRole('button', { name: 'Close detail' });
    act(() => close.focus());
    fireEvent.keyDown(close, { key: 'Escape' });
    expect(screen.queryByTestId('message-detail')).toBeNull();
    expect(store.getState().selected).toBeNull();
    expect(document.activeElement).toBe(row(2));
    // from the list: another row moved to, Escape still closes and returns to the one shown
    fireEvent.click(row(3));
    fireEvent.keyDown(row(3), { key: 'ArrowUp' });
    expect(document.activeElement).toBe(row(2));
    fireEvent.keyDown(row(2), { key: 'Escape' });
    expect(screen.queryByTestId('message-detail')).toBeNull();
    expect(document.activeElement).toBe(row(3));
    // a click on the pane's text (no control there) leaves the focus in the pane: Escape still closes it
    fireEvent.click(row(1));
    const pane = screen.getByTestId('message-detail');
    act(() => pane.focus());
    expect(document.activeElement).toBe(pane);
    fireEvent.keyDown(pane, { key: 'Escape' });
    expect(screen.queryByTestId('message-detail')).toBeNull();
    expect(document.activeElement).toBe(row(1));
  });

  it('the ✕ of the detail pane gives the focus back to the row it showed, not to the page body', () => {
    const { client, store } = renderWith(<TrafficView />);
    act(() => void client.emit({ traffic: [tele(1, 20), tele(2, 21)] }));
    const row = (seq: number) => screen.getAllByTestId('traffic-row').find((r) => r.getAttribute('data-row-key') === String(seq))!;
    fireEvent.click(row(2));
    const close = screen.getByRole('button', { name: 'Close detail' });
    act(() => close.focus());
    fireEvent.click(close);
    expect(store.getState().selected).toBeNull();
    expect(document.activeElement).toBe(row(2));
  });

  it('exports the current filter through the host and says how many rows', async () => {
    const { client, store } = renderWith(<TrafficView />);
    client.handlers['export.traffic'] = (p) => ({ filename: 'traffic.csv', mime: 'text/csv', content: 'seq\n1\n', rows: 1, ...(p.query === 'device:probe' ? {} : { rows: -1 }) });
    const created: string[] = [];
    URL.createObjectURL = () => (created.push('blob'), 'blob:x');
    URL.revokeObjectURL = () => {};
    act(() => store.getState().setQuery('device:probe'));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    });
    expect(client.calls.find((c) => c.method === 'export.traffic')?.params).toEqual({ query: 'device:probe', format: 'csv' });
    expect(created).toHaveLength(1);
    expect(store.getState().notices.at(-1)?.text).toBe('Exported 1 rows to traffic.csv');
  });
});

describe('traffic view while the host is away', () => {
  it('holds Search log and the exports with the reason, keeps the filter and Pause', () => {
    const { client } = renderWith(<TrafficView />);
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    for (const name of ['Search log', 'Export CSV', 'Export JSONL']) {
      const button = screen.getByRole('button', { name }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.title).toBe('Not connected to the host');
      expect(document.getElementById(button.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Not connected to the host/);
    }
    expect((screen.getByTestId('pause-button') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByLabelText('Traffic filter') as HTMLInputElement).disabled).toBe(false);
    act(() => client.setStatus('open'));
    expect((screen.getByRole('button', { name: 'Export CSV' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
