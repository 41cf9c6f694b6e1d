// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Params, Results } from '../../../../shared/api/contract';
import { fakeRow } from '../../api/fake-client';
import { LOG_PAGE, LOG_SEARCH_CAP } from '../../store/log-search-slice';
import { renderWith, withLayout } from '../../test-utils';
import { TrafficView } from './TrafficView';

withLayout();

/** traffic.page over a log of seqs 1..total where only `matches` match, with the host's scan bound. */
function fakeLog(total: number, matches: number[], scanRows: number) {
  return (p: Params<'traffic.page'>): Results['traffic.page'] => {
    const limit = p.limit ?? 200;
    const top = p.beforeSeq ?? total + 1;
    const floor = top - scanRows;
    const rows = matches.filter((s) => s < top && s >= floor).sort((a, b) => b - a).slice(0, limit);
    const base = { rows: rows.map((seq) => fakeRow({ seq, device: 'probe', from: 'probe' })), counters: { logged: total, shown: 0, dropped: 0, writing: 0 }, scanFrom: top };
    return rows.length < limit && floor > 1 ? { ...base, scanLimitedAt: floor } : base;
  };
}

const status = () => screen.getByTestId('log-search-status');
const beforeSeqs = (client: { calls: { method: string; params: unknown }[] }) =>
  client.calls.filter((c) => c.method === 'traffic.page').map((c) => (c.params as { beforeSeq?: number }).beforeSeq ?? null);

describe('log search in the traffic view', () => {
  it('says how far it searched, searches further back on request, and ends at the oldest message', async () => {
    const { client, store } = renderWith(<TrafficView />);
    client.handlers['traffic.page'] = fakeLog(1000, [150, 120, 40], 300);
    act(() => store.getState().setQuery('device:probe'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('search-log'));
    });
    expect(status().textContent).toBe('Searched the newest 300 messages (0 matches); no more matches yet.');
    expect(status().getAttribute('data-stop')).toBe('scan-limited');
    expect(screen.queryAllByTestId('traffic-row')).toHaveLength(0);

    const further = screen.getByRole('button', { name: 'Search further back' });
    further.focus();
    await act(async () => {
      fireEvent.click(further);
    });
    expect(beforeSeqs(client)).toEqual([null, 701]);
    expect(status().textContent).toBe('Searched the newest 600 messages (0 matches); no more matches yet.');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Search further back' }));
    });
    expect(beforeSeqs(client)).toEqual([null, 701, 401]);
    expect(status().textContent).toBe('Searched the newest 900 messages (2 matches); no more matches yet.');
    const list = screen.getByTestId('log-search-list');
    expect(within(list).getAllByTestId('traffic-row').map((r) => r.textContent?.includes('probe'))).toEqual([true, true]);

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Search further back' }));
    });
    expect(beforeSeqs(client)).toEqual([null, 701, 401, 101]);
    // the last window reached the oldest message: an end state, no button, focus kept in the bar
    expect(status().textContent).toBe('Searched the whole log back to its oldest message: 3 matches.');
    expect(status().getAttribute('data-stop')).toBe('end');
    expect(screen.queryByTestId('search-further')).toBeNull();
    expect(document.activeElement).toBe(status());
    // oldest first, newest at the bottom, like the live list
    const seqs = store.getState().logSearch!.rows.map((r) => r.seq);
    expect(seqs).toEqual([40, 120, 150]);
    expect(within(list).getAllByTestId('traffic-row')).toHaveLength(3);
  });

  it('shows progress while the host searches and keeps the button focusable', async () => {
    const { client, store } = renderWith(<TrafficView />);
    const search = fakeLog(1000, [], 300);
    let release: (() => void) | null = null;
    client.handlers['traffic.page'] = (p) => new Promise((done) => (release = () => done(search(p))));
    act(() => store.getState().setQuery('device:probe'));
    act(() => void store.getState().startLogSearch('device:probe'));
    expect(status().textContent).toBe('Searching the log…');
    expect(screen.getByTestId('log-search').getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('log-search-progress')).toBeTruthy();
    await act(async () => release!());
    expect(screen.queryByTestId('log-search-progress')).toBeNull();

    fireEvent.click(screen.getByTestId('search-further'));
    const button = screen.getByTestId('search-further');
    expect(button.textContent).toBe('Searching…');
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.hasAttribute('disabled')).toBe(false);
    expect(status().textContent).toBe('Searching messages older than #701… (0 matches so far)');
    // a second press while searching does not start a second call
    fireEvent.click(button);
    expect(beforeSeqs(client)).toEqual([null, 701]);
    await act(async () => release!());
    expect(status().textContent).toBe('Searched the newest 600 messages (0 matches); no more matches yet.');
  });

  it('pages through full pages, restarts on a new filter, and goes back to live', async () => {
    const { client, store } = renderWith(<TrafficView />);
    const many = Array.from({ length: LOG_PAGE + 50 }, (_, i) => 1000 - i);
    client.handlers['traffic.page'] = fakeLog(1000, many, 100_000);
    act(() => store.getState().setQuery('device:probe'));
    await act(async () => void (await store.getState().startLogSearch('device:probe')));
    expect(status().textContent).toBe(`Showing the newest ${LOG_PAGE} matches (searched the newest ${LOG_PAGE} messages); older ones may exist.`);
    await act(async () => {
      fireEvent.click(screen.getByTestId('search-further'));
    });
    expect(beforeSeqs(client).at(-1)).toBe(1000 - LOG_PAGE + 1);
    expect(status().textContent).toBe(`Searched the whole log back to its oldest message: ${LOG_PAGE + 50} matches.`);
    expect(new Set(store.getState().logSearch!.rows.map((r) => r.seq)).size).toBe(LOG_PAGE + 50);

    await act(async () => store.getState().setQuery('dir:out'));
    expect(store.getState().logSearch?.query).toBe('dir:out');
    expect((client.calls.at(-1)?.params as { query: string }).query).toBe('dir:out');

    fireEvent.click(screen.getByRole('button', { name: 'Back to live' }));
    expect(screen.queryByTestId('log-search')).toBeNull();
    expect(screen.getByTestId('traffic-empty')).toBeTruthy();
  });

  it('stops at the cap of kept matches and says so', async () => {
    const { client, store } = renderWith(<TrafficView />);
    const total = LOG_SEARCH_CAP + 3 * LOG_PAGE;
    client.handlers['traffic.page'] = fakeLog(total, Array.from({ length: total }, (_, i) => i + 1), 1_000_000);
    await act(async () => void (await store.getState().startLogSearch('')));
    for (let i = 0; i < 40 && store.getState().logSearch?.next != null; i++) await act(async () => void (await store.getState().searchFurther()));
    const search = store.getState().logSearch!;
    expect(search.stop).toBe('cap');
    expect(search.rows).toHaveLength(LOG_SEARCH_CAP);
    // the newest matches are kept, oldest first
    expect(search.rows[0]!.seq).toBe(total - LOG_SEARCH_CAP + 1);
    expect(search.rows.at(-1)!.seq).toBe(total);
    expect(status().textContent).toBe('Showing 5,000 matches, the most this view keeps (5,000); narrow the filter or export for the rest.');
    expect(screen.queryByTestId('search-further')).toBeNull();
  });

  it('drops an answer that arrives after the search was closed, and reports failures', async () => {
    const { client, store } = renderWith(<TrafficView />);
    let release: (() => void) | null = null;
    client.handlers['traffic.page'] = (p) => new Promise((done) => (release = () => done(fakeLog(10, [5], 100)(p))));
    act(() => void store.getState().startLogSearch(''));
    act(() => store.getState().closeLogSearch());
    await act(async () => release!());
    expect(store.getState().logSearch).toBeNull();

    client.handlers['traffic.page'] = () => Promise.reject(new Error('invalid_params: query: bad'));
    await act(async () => void (await store.getState().startLogSearch('dir:up')));
    expect(status().textContent).toContain('Search failed');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
