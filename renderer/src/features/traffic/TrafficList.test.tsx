// @vitest-environment jsdom
import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { TrafficRow } from '../../../../shared/api/contract';
import { fakeRow } from '../../api/fake-client';
import { withLayout } from '../../test-utils';
import { TrafficList } from './TrafficList';

withLayout();

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => fakeRow({ seq: from + i, device: `d${from + i}`, from: `d${from + i}` }));
/** The rows that are Tab stops (tabIndex 0), by seq. */
const stops = () => screen.getAllByTestId('traffic-row').filter((r) => r.tabIndex === 0).map((r) => Number(r.dataset.rowKey));
const focusedSeq = () => Number((document.activeElement as HTMLElement).dataset.rowKey);
const press = (key: string) => fireEvent.keyDown(document.activeElement!, { key });

describe('traffic list keyboard', () => {
  it('is one Tab stop; Up/Down/PageUp/PageDown/Home/End move the active row through the virtualized list; Enter and Space open it', () => {
    const onSelect = vi.fn();
    render(<TrafficList rows={rows(1, 500)} selectedSeq={null} onSelect={onSelect} />);
    expect(stops()).toHaveLength(1);
    // the scroll area is not a Tab stop of its own
    expect(screen.getByTestId('traffic-list').querySelector('.scroller')!.getAttribute('tabindex')).toBe('-1');
    act(() => screen.getAllByTestId('traffic-row').find((r) => r.tabIndex === 0)!.focus());
    press('Home');
    expect(focusedSeq()).toBe(1);
    press('ArrowDown');
    press('ArrowDown');
    expect(focusedSeq()).toBe(3);
    press('ArrowUp');
    expect(focusedSeq()).toBe(2);
    // a page is the rows in view less one: 800 / 28 -> 28 rows, 27 per page
    press('PageDown');
    expect(focusedSeq()).toBe(29);
    press('PageUp');
    expect(focusedSeq()).toBe(2);
    // End reaches a row far outside the drawn window: it is drawn, focused, the only Tab stop
    press('End');
    expect(focusedSeq()).toBe(500);
    expect(stops()).toEqual([500]);
    press('ArrowDown'); // stays at the end
    expect(focusedSeq()).toBe(500);
    press('Enter');
    expect(onSelect).toHaveBeenLastCalledWith(expect.objectContaining({ seq: 500 }));
    press('Home');
    press(' ');
    expect(onSelect).toHaveBeenLastCalledWith(expect.objectContaining({ seq: 1 }));
    expect(onSelect).toHaveBeenCalledTimes(2);
  });

  it('keeps the active row on its message when new rows arrive and old ones are dropped, and keeps the focus on it', () => {
    const onSelect = vi.fn();
    const view = (list: TrafficRow[]) => <TrafficList rows={list} selectedSeq={null} onSelect={onSelect} />;
    const { rerender } = render(view(rows(1, 100)));
    act(() => screen.getAllByTestId('traffic-row').find((r) => r.tabIndex === 0)!.focus());
    press('End');
    press('ArrowUp');
    press('ArrowUp');
    expect(focusedSeq()).toBe(98);
    // 50 new messages at the end (the view follows them), the 20 oldest leave the buffer
    rerender(view(rows(21, 130)));
    expect(focusedSeq()).toBe(98);
    expect(stops()).toEqual([98]);
    press('ArrowDown');
    expect(focusedSeq()).toBe(99);
    // the active message itself leaves (filtered out): focus moves to the new Tab stop, not to the page
    rerender(view(rows(21, 130).filter((r) => r.seq !== 99)));
    expect(document.activeElement).not.toBe(document.body);
    expect(stops()).toHaveLength(1);
    expect(focusedSeq()).toBe(stops()[0]);
  });

  it('starts from the selected message', () => {
    render(<TrafficList rows={rows(1, 300)} selectedSeq={250} onSelect={() => {}} />);
    expect(stops()).toEqual([250]);
  });
});
