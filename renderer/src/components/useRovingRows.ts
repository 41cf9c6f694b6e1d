import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent, type RefObject } from 'react';

export type RowKey = string | number;

export interface RovingOptions<K extends RowKey> {
  /** The rows' identities, in display order (device ids, message seqs). */
  keys: K[];
  rowHeight: number;
  overscan: number;
  scroller: RefObject<HTMLDivElement | null>;
  /** The row to start from while none was made active (the selected message). */
  preferred?: K | null;
  /** Enter (and, unless `onKey` takes it, Space) on the active row itself. */
  onActivate(key: K, row: HTMLElement): void;
  /** Other keys on the active row itself, before the defaults; true when handled. */
  onKey?(key: K, row: HTMLElement, e: KeyboardEvent<HTMLElement>): boolean;
}

/** What a row element carries so the list's handlers find its key. */
export const ROW_KEY_ATTR = 'data-row-key';

/**
 * A virtualized list of rows as ONE Tab stop (roving tabindex): the active row has tabIndex 0,
 * every other row -1. Up/Down, PageUp/PageDown, Home/End move the active row, scroll it into view
 * and focus it; Enter activates it as a click does.
 *
 * Roving tabindex rather than aria-activedescendant: the virtualizer's range always includes the
 * active row (rangeExtractor), so the focused element is never unmounted when it scrolls out of
 * view or rows arrive, and the row itself (its content, its description) is what has focus.
 *
 * The active row is kept by its key, not its index: rows arriving before or after it (a new
 * device sorting above it, new messages at the end) do not move it. If it leaves the list
 * (filtered out, dropped from the log) the Tab stop falls back to the preferred row or the first
 * row in view, and focus, if it was on the row that left, moves there rather than to the page.
 */
export function useRovingRows<K extends RowKey>({ keys, rowHeight, overscan, scroller, preferred = null, onActivate, onKey }: RovingOptions<K>) {
  const [active, setActive] = useState<K | null>(null);
  const pinned = useMemo(() => {
    if (active !== null) {
      const i = keys.indexOf(active);
      if (i >= 0) return i;
    }
    return preferred === null ? -1 : keys.indexOf(preferred);
  }, [keys, active, preferred]);
  const rangeExtractor = useCallback(
    (range: Range) => {
      const out = defaultRangeExtractor(range);
      if (pinned >= 0 && pinned < range.count && !out.includes(pinned)) {
        out.push(pinned);
        out.sort((a, b) => a - b);
      }
      return out;
    },
    [pinned],
  );
  const virtual = useVirtualizer({ count: keys.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan, rangeExtractor });
  const tabIndexAt = pinned >= 0 ? pinned : Math.min(virtual.range?.startIndex ?? 0, keys.length - 1);
  const tabKey: K | null = keys[tabIndexAt] ?? null;

  /** The key a move asked to focus once its row is drawn. */
  const focusNext = useRef<K | null>(null);
  /** The key of the row that has (or, if it was unmounted with focus, had) the focus. */
  const focused = useRef<K | null>(null);

  const rowEl = useCallback(
    (key: K): HTMLElement | null => {
      const rows = scroller.current?.querySelectorAll<HTMLElement>(`[${ROW_KEY_ATTR}]`);
      return Array.from(rows ?? []).find((el) => el.getAttribute(ROW_KEY_ATTR) === String(key)) ?? null;
    },
    [scroller],
  );

  useLayoutEffect(() => {
    if (tabKey === null) return;
    if (focusNext.current !== null) {
      if (focusNext.current !== tabKey) return;
      focusNext.current = null;
      rowEl(tabKey)?.focus({ preventScroll: true });
      return;
    }
    const lost = focused.current;
    if (lost !== null && lost !== tabKey && (document.activeElement === null || document.activeElement === document.body) && !keys.includes(lost)) {
      rowEl(tabKey)?.focus({ preventScroll: true });
    }
  });

  const keyOf = (el: Element | null): K | null => {
    const row = el?.closest(`[${ROW_KEY_ATTR}]`);
    if (!row) return null;
    const raw = row.getAttribute(ROW_KEY_ATTR);
    const at = keys[Number(row.getAttribute('data-index'))];
    if (at !== undefined && String(at) === raw) return at;
    return keys.find((k) => String(k) === raw) ?? null;
  };

  const moveTo = (index: number) => {
    if (keys.length === 0) return;
    const i = Math.max(0, Math.min(keys.length - 1, index));
    const key = keys[i]!;
    virtual.scrollToIndex(i, { align: i === keys.length - 1 ? 'end' : 'auto' });
    const el = key === tabKey ? rowEl(key) : null;
    if (el) {
      el.focus({ preventScroll: true });
    } else {
      // focused once its row is drawn (the layout effect above), also when it is the Tab stop already
      focusNext.current = key;
      setActive(key);
    }
  };

  /** Makes the row with `key` the active row and focuses it (going back to the row a page was opened from); false if it is not in the list. */
  const focusRow = (key: K): boolean => {
    const i = keys.indexOf(key);
    if (i < 0) return false;
    moveTo(i);
    return true;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const key = keyOf(e.target as Element);
    if (key === null) return;
    const row = rowEl(key);
    const onRow = row !== null && e.target === row;
    const at = keys.indexOf(key);
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? rowHeight) / rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: keys.length - 1 };
    if (e.key in moves) {
      e.preventDefault();
      moveTo(moves[e.key]!);
      return;
    }
    // Enter/Space on a control inside the row (the relay toggle) is that control's own
    if (!onRow) return;
    if (onKey?.(key, row, e)) {
      e.preventDefault();
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate(key, row);
    }
  };

  const onFocus = (e: FocusEvent<HTMLElement>) => {
    const key = keyOf(e.target);
    if (key === null) return;
    focused.current = key;
    if (key !== active) setActive(key);
  };

  const onBlur = (e: FocusEvent<HTMLElement>) => {
    const key = keyOf(e.target);
    const el = e.target;
    // a row unmounted with the focus (it left the list) stays remembered, so focus can move on to the new Tab stop
    queueMicrotask(() => {
      if (el.isConnected && focused.current === key) focused.current = null;
    });
  };

  return { virtual, tabKey, focusRow, listProps: { onKeyDown, onFocus, onBlur } };
}
