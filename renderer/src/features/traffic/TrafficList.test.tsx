// @vitest-environment jsdom
import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
    // only a window is drawn: the table and each row say the place among all (the header is row 1)
    expect(screen.getByTestId('traffic-list').getAttribute('aria-rowcount')).toBe('501');
    expect((document.activeElement as HTMLElement).getAttribute('aria-rowindex')).toBe('501');
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

describe('traffic list row elements', () => {
  // jsdom does not scroll: a scroll area is as tall as its content and scrollTo moves it and says so, as a browser does, so the list really follows
  beforeEach(() => {
    Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return parseFloat((this.firstElementChild as HTMLElement | null)?.style.height ?? '') || 0;
      },
    });
    HTMLElement.prototype.scrollTo = function (this: HTMLElement, opts?: ScrollToOptions | number) {
      const top = typeof opts === 'object' ? opts.top : undefined;
      // a browser fires scroll only when the offset changes
      if (top === undefined || top === this.scrollTop) return;
      this.scrollTop = top;
      this.dispatchEvent(new Event('scroll'));
    } as typeof HTMLElement.prototype.scrollTo;
  });
  afterEach(() => {
    delete (HTMLElement.prototype as Partial<HTMLElement>).scrollTo;
    Reflect.deleteProperty(HTMLElement.prototype, 'scrollHeight');
  });
  const drawn = () => screen.getAllByTestId('traffic-row');
  /** Each drawn row's message, read from what it shows (the From cell) and from its attributes. */
  const shown = (el: HTMLElement) => ({ from: el.querySelectorAll('.cell')[2]!.textContent, key: Number(el.dataset.rowKey), index: Number(el.dataset.index) });

  it('reuses the drawn row elements for the new messages while following, with their text and attributes updated', () => {
    const view = (list: TrafficRow[]) => <TrafficList rows={list} selectedSeq={null} onSelect={() => {}} />;
    const { rerender } = render(view(rows(1, 200)));
    const before = new Set(drawn());
    expect(before.size).toBeGreaterThan(20);
    expect(Math.max(...drawn().map((el) => shown(el).key))).toBe(200);
    // a batch of 90 new messages, the 90 oldest dropped (the buffer is full): every drawn row is replaced by a newer one
    rerender(view(rows(91, 200)));
    let after = drawn();
    expect(after.map((el) => shown(el).key).every((seq) => seq > 200)).toBe(true);
    expect(Math.max(...after.map((el) => shown(el).key))).toBe(290);
    // the same elements, showing the new messages
    expect(after.filter((el) => before.has(el)).length).toBe(after.length);
    for (const el of after) {
      const { from, key, index } = shown(el);
      expect(from).toBe(`d${key}`);
      expect(index).toBe(key - 91);
      expect(el.getAttribute('role')).toBe('row');
      expect(el.getAttribute('aria-selected')).toBe('false');
    }
    // while the buffer still grows (indexes move too)
    rerender(view(rows(91, 290)));
    after = drawn();
    expect(Math.max(...after.map((el) => shown(el).key))).toBe(380);
    expect(after.filter((el) => before.has(el)).length).toBe(after.length);
    for (const el of after) expect(shown(el).from).toBe(`d${shown(el).key}`);
  });

  it('keeps the focused row in its element while the others are refilled; a click selects the row it lands on', () => {
    const onSelect = vi.fn();
    const view = (list: TrafficRow[], selected: number | null = null) => <TrafficList rows={list} selectedSeq={selected} onSelect={onSelect} />;
    const { rerender } = render(view(rows(1, 200)));
    act(() => screen.getAllByTestId('traffic-row').find((r) => r.tabIndex === 0)!.focus());
    press('End');
    press('ArrowUp');
    const focused = document.activeElement as HTMLElement;
    expect(focusedSeq()).toBe(199);
    const others = new Set(drawn().filter((el) => el !== focused));
    rerender(view(rows(91, 200)));
    // the focused message kept its element and the focus, out of view above the new rows
    expect(document.activeElement).toBe(focused);
    expect(focusedSeq()).toBe(199);
    expect(shown(focused)).toMatchObject({ from: 'd199', index: 199 - 91 });
    expect(stops()).toEqual([199]);
    // the rest are the old elements with new messages (one more is drawn: the focused row, now out of view, is drawn as well)
    const refilled = drawn().filter((el) => el !== focused);
    expect(refilled.filter((el) => others.has(el)).length).toBe(others.size);
    expect(refilled.length).toBe(others.size + 1);
    expect(refilled.every((el) => shown(el).key > 200 && shown(el).from === `d${shown(el).key}`)).toBe(true);
    // a click on a refilled row (the browser focuses it first): that row is the message clicked, stays focused, and is selected
    const target = refilled.at(-2)!;
    const seq = shown(target).key;
    act(() => target.focus());
    fireEvent.click(target);
    expect(onSelect).toHaveBeenLastCalledWith(expect.objectContaining({ seq }));
    rerender(view(rows(91, 200), seq));
    expect(document.activeElement).toBe(target);
    expect(focusedSeq()).toBe(seq);
    expect(stops()).toEqual([seq]);
    expect(target.getAttribute('aria-selected')).toBe('true');
    expect(drawn().filter((el) => el.getAttribute('aria-selected') === 'true')).toEqual([target]);
    // more rows: the selected, focused message keeps its element
    rerender(view(rows(181, 200), seq));
    expect(document.activeElement).toBe(target);
    expect(shown(target)).toMatchObject({ key: seq, from: `d${seq}` });
  });

  it('a column gives way with its header: Id and Size (opt2) in a narrow list, more on a phone (opt3); From and To have titles', () => {
    render(<TrafficList rows={rows(1, 3)} selectedSeq={null} onSelect={() => {}} />);
    const gives = (el: Element) => Array.from(el.classList).filter((c) => /^opt\d?$/.test(c)).join(' ');
    const heads = screen.getAllByRole('columnheader');
    const cells = Array.from(screen.getAllByTestId('traffic-row')[0]!.querySelectorAll('[role="cell"]'));
    expect(heads.map(gives)).toEqual(cells.map(gives));
    expect(heads.filter((h) => gives(h).includes('opt2')).map((h) => h.textContent)).toEqual(['Id', 'Size']);
    // From and To may be cut with "…" there: their titles have the whole name
    expect([cells[2]!.getAttribute('title'), cells[3]!.getAttribute('title')]).toEqual(['d1', 'server']);
  });
});


describe('traffic list times', () => {
  it('puts the date in front of the time of a row from another day (a row loaded at start, a log search hit); today\'s show the time alone', () => {
    const now = Date.now();
    const old = now - 3 * 24 * 3600_000;
    render(<TrafficList rows={[fakeRow({ seq: 1, ts: old }), fakeRow({ seq: 2, ts: now })]} selectedSeq={null} onSelect={() => {}} />);
    const timeOf = (seq: number) => screen.getAllByTestId('traffic-row').find((r) => r.dataset.rowKey === String(seq))!.querySelector('[role="cell"]')!;
    const day = String(new Date(old).getDate());
    expect(timeOf(1).textContent).toMatch(new RegExp(`\\b${day}\\b.* \\d{2}:\\d{2}:\\d{2}\\D\\d{3}$`));
    expect(timeOf(1).getAttribute('title')).toBe(timeOf(1).textContent);
    expect(timeOf(2).textContent).toMatch(/^\d{2}:\d{2}:\d{2}\D\d{3}$/);
  });
});

describe('traffic list times across midnight', () => {
  afterEach(() => vi.useRealTimers());

  it('puts the date in front of a row from yesterday once the day changes, though the rows did not', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const evening = new Date(2026, 11, 7, 23, 59, 30).getTime();
    vi.setSystemTime(evening);
    const list = [fakeRow({ seq: 1, ts: new Date(2026, 11, 7, 23, 59, 0).getTime() })];
    render(<TrafficList rows={list} selectedSeq={null} onSelect={() => {}} />);
    const timeText = () => screen.getByTestId('traffic-row').querySelector('[role="cell"]')!.textContent;
    expect(timeText()).toBe('23:59:00.000');
    act(() => vi.advanceTimersByTime(60_000));
    expect(timeText()).toMatch(/7.*23:59:00\.000$/);
    expect(timeText()).not.toBe('23:59:00.000');
  });
});
