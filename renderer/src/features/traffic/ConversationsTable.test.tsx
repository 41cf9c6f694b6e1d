// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ConversationStats, Results } from '../../../../shared/api/contract';
import { createFakeClient, fakeDevice, fakeRow } from '../../api/fake-client';
import { renderWith, setup, withLayout } from '../../test-utils';
import { TrafficView } from './TrafficView';

withLayout();

const NOW = Date.now();
const pair = (from: string, to: string, over: Partial<ConversationStats> = {}): ConversationStats => ({
  from, to, messages: 1, bytes: 10, errors: 0, firstTs: NOW - 60_000, lastTs: NOW - 1000, msgsPerSecond: 0.1, ...over,
});
const answer = (rows: ConversationStats[], over: Partial<Results['traffic.conversations']> = {}): Results['traffic.conversations'] => ({ rows, pairs: rows.length, maxPairs: 1000, evicted: 0, ...over });

function openConversations(rows: ConversationStats[], over: Partial<Results['traffic.conversations']> = {}) {
  const client = createFakeClient();
  client.handlers['traffic.conversations'] = () => answer(rows, over);
  const ctx = renderWith(<TrafficView />, setup(client));
  fireEvent.click(screen.getByTestId('traffic-mode-conversations'));
  return ctx;
}
const cellsOf = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent);
const fromColumn = () => screen.getAllByTestId('conversation-row').map((r) => cellsOf(r)[0]);

describe('traffic: conversations', () => {
  it('switches from the log to a table of pairs with their counts, labels instead of ids, and errors', async () => {
    const ctx = openConversations([pair('probe', 'server', { messages: 42, bytes: 2048, msgsPerSecond: 3 }), pair('lamp', 'ghost', { messages: 5, errors: 2 })], { evicted: 7, maxPairs: 1000, pairs: 2 });
    act(() => ctx.store.getState().replaceDevices([fakeDevice('probe', { label: 'Greenhouse' })]));
    expect(screen.getByTestId('traffic-mode-conversations').getAttribute('aria-pressed')).toBe('true');
    expect(screen.queryByLabelText('Traffic filter')).toBeNull();
    const rows = await screen.findAllByTestId('conversation-row');
    expect(cellsOf(rows[0]!)).toEqual(['Greenhouse (probe)', 'server', '42', '2.0 KiB', '0', '3.0/s', '1 s ago']);
    expect(cellsOf(rows[1]!).slice(0, 5)).toEqual(['lamp', 'ghost', '5', '10 B', '2']);
    // virtualized: the table and each row say the place among all (the header is row 1)
    expect(screen.getByRole('table', { name: 'Conversations' }).getAttribute('aria-rowcount')).toBe('3');
    expect(rows.map((r) => r.getAttribute('aria-rowindex'))).toEqual(['2', '3']);
    expect(screen.getByTestId('conversations-summary').textContent).toMatch(/2 pairs since the host started · 7 quieter ones dropped \(the host keeps the 1000 most recently active\)/);
    expect(ctx.client.calls.filter((c) => c.method === 'traffic.conversations').map((c) => c.params)).toContainEqual({ limit: 500 });
  });

  it('sorts by a header: first click on a count is biggest first, again reverses; names sort A to Z', async () => {
    openConversations([pair('b', 'server', { messages: 3, errors: 0 }), pair('c', 'server', { messages: 9, errors: 1 }), pair('a', 'server', { messages: 1, errors: 4 })]);
    await screen.findAllByTestId('conversation-row');
    expect(fromColumn()).toEqual(['c', 'b', 'a']); // the host's order: most messages first
    const header = (name: string) => screen.getByRole('columnheader', { name: new RegExp(`^${name}`) });
    fireEvent.click(within(header('Errors')).getByRole('button'));
    expect(fromColumn()).toEqual(['a', 'c', 'b']);
    expect(header('Errors').getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(within(header('Errors')).getByRole('button'));
    expect(fromColumn()).toEqual(['b', 'c', 'a']);
    expect(header('Errors').getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(within(header('From')).getByRole('button'));
    expect(fromColumn()).toEqual(['a', 'b', 'c']);
    expect(header('Messages').getAttribute('aria-sort')).toBe('none');
  });

  it('says there are none yet rather than showing an empty table', async () => {
    openConversations([]);
    expect((await screen.findByTestId('conversations-empty')).textContent).toMatch(/No conversations yet/);
    expect(screen.queryByRole('table', { name: 'Conversations' })).toBeNull();
  });

  it('is one Tab stop: ArrowDown/End move the active row through the virtualized list, sorting keeps it, Enter opens it', async () => {
    // 120 pairs, busiest first: p000 -> server (120 messages) ... p119 -> server (1)
    const many = Array.from({ length: 120 }, (_, i) => pair(`p${String(i).padStart(3, '0')}`, 'server', { messages: 120 - i }));
    const ctx = openConversations(many);
    await screen.findAllByTestId('conversation-row');
    const table = screen.getByRole('table', { name: 'Conversations' });
    const rowOf = (from: string) => screen.getAllByTestId('conversation-row').find((r) => cellsOf(r)[0] === from);
    const stops = () => Array.from(table.querySelectorAll<HTMLElement>('[data-testid="conversation-row"]')).filter((r) => r.tabIndex === 0).map((r) => cellsOf(r)[0]);
    const focusedFrom = () => cellsOf(document.activeElement as HTMLElement)[0];
    const press = (key: string) => fireEvent.keyDown(document.activeElement!, { key });
    // virtualized: only the rows in view (and a few more) are drawn, the last is not
    expect(screen.getAllByTestId('conversation-row').length).toBeLessThan(many.length);
    expect(rowOf('p119')).toBeUndefined();
    // one Tab stop: the first row; the scroll area is not one of its own
    expect(stops()).toEqual(['p000']);
    expect(table.querySelector<HTMLElement>('[role="rowgroup"]')!.tabIndex).toBe(-1);
    expect(table.getAttribute('aria-describedby')).toBe('conversations-keys-hint');
    expect(document.getElementById('conversations-keys-hint')!.textContent).toMatch(/^Keys in the list: ↑ ↓ Home End move, Enter/);
    act(() => rowOf('p000')!.focus());
    press('ArrowDown');
    expect(focusedFrom()).toBe('p001');
    expect(stops()).toEqual(['p001']);
    // End reaches a row far outside the drawn window: it is drawn, focused, the only Tab stop
    press('End');
    expect(focusedFrom()).toBe('p119');
    expect(stops()).toEqual(['p119']);
    press('ArrowDown'); // stays at the end
    expect(focusedFrom()).toBe('p119');
    press('Home');
    press('ArrowDown');
    press('ArrowDown');
    expect(focusedFrom()).toBe('p002');
    // re-sorted (fewest messages first): the active row stays on its pair, still the only Tab stop
    fireEvent.click(within(screen.getByRole('columnheader', { name: /^Messages/ })).getByRole('button'));
    expect(stops()).toEqual(['p002']);
    expect(fromColumn()[0]).toBe('p119');
    act(() => rowOf('p002')!.focus());
    press('Enter');
    expect(ctx.store.getState().query).toBe('from:p002 to:server');
    expect(screen.getByTestId('traffic-mode-log').getAttribute('aria-pressed')).toBe('true');
  });

  it('Space on the active row opens it too, and a click opens the row clicked', async () => {
    const ctx = openConversations([pair('fan', 'lamp-1', { messages: 2 }), pair('probe', 'server', { messages: 1 })]);
    const rows = await screen.findAllByTestId('conversation-row');
    act(() => rows[0]!.focus());
    fireEvent.keyDown(document.activeElement!, { key: ' ' });
    expect(ctx.store.getState().query).toBe('from:fan to:lamp-1');
    fireEvent.click(screen.getByTestId('traffic-mode-conversations'));
    fireEvent.click((await screen.findAllByTestId('conversation-row'))[1]!);
    expect(ctx.store.getState().query).toBe('from:probe to:server');
  });

  it('Enter on a row goes back to the log filtered to that conversation', async () => {
    const ctx = openConversations([pair('fan', 'lamp-1', { messages: 2 })]);
    const row = (await screen.findAllByTestId('conversation-row'))[0]!;
    expect(row.tabIndex).toBe(0);
    row.focus();
    fireEvent.keyDown(row, { key: 'Enter' });
    expect(ctx.store.getState().query).toBe('from:fan to:lamp-1');
    expect(screen.getByTestId('traffic-mode-log').getAttribute('aria-pressed')).toBe('true');
    expect((screen.getByLabelText('Traffic filter') as HTMLInputElement).value).toBe('from:fan to:lamp-1');
    // the live log shows that conversation only: the sent message (target in its envelope), not others
    act(() =>
      void ctx.client.emit({
        traffic: [
          fakeRow({ seq: 1, device: 'fan', from: 'fan', to: null, payload: '{"targetId":"lamp-1","payload":{"on":true}}' }),
          fakeRow({ seq: 2, device: 'fan', from: 'fan', to: null, payload: '{"targetId":"server","payload":{}}' }),
        ],
      }),
    );
    expect(screen.getByTestId('count-shown').textContent).toBe('1');
  });
});
