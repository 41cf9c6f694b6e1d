import { useLayoutEffect, useRef } from 'react';

/** The drawn rows of one commit, in display order: each message's seq and the slot (React key) its element had. */
export interface Slots {
  seqs: number[];
  slots: number[];
}

export const NO_SLOTS: Slots = { seqs: [], slots: [] };

/**
 * Which element (slot) each drawn row uses, so React updates rows in place instead of replacing
 * them: a message still drawn keeps its slot (the focused row keeps its element and its focus), a
 * message that left frees its slot for one that arrives (the list following new rows reuses every
 * row element, only the text changes), and only what is left over gets a new slot.
 *
 * Two rules keep the focus safe. A freed slot goes to a new message only where React can reuse it
 * without moving a kept row's element (a moved element loses the focus): its old position must be
 * before every kept row that follows the new one. And the slot of `retire` (the row that has the
 * focus) is not reused in this commit, so if that message leaves, its element is unmounted with
 * the focus, which the roving hook then moves to the new Tab stop, rather than showing another
 * message under the focus.
 */
export function assignSlots(prev: Slots, seqs: number[], retire: number | null): Slots {
  const oldAt = new Map<number, number>();
  prev.seqs.forEach((s, i) => oldAt.set(s, i));
  const next = new Set(seqs);
  // freed slots in their old display order (old positions increase)
  const free: number[] = [];
  prev.seqs.forEach((s, i) => {
    if (!next.has(s) && s !== retire) free.push(i);
  });
  // for each position, the old position of the next kept row at or after it (kept rows stay in order)
  const limit = new Array<number>(seqs.length);
  let bound = Infinity;
  for (let i = seqs.length - 1; i >= 0; i--) {
    const old = oldAt.get(seqs[i]!);
    if (old !== undefined) bound = old;
    limit[i] = bound;
  }
  const taken = new Set(prev.slots);
  let fresh = 0;
  const newSlot = () => {
    while (taken.has(fresh)) fresh++;
    taken.add(fresh);
    return fresh;
  };
  let f = 0;
  const slots = seqs.map((s, i) => {
    const old = oldAt.get(s);
    if (old !== undefined) return prev.slots[old]!;
    if (f < free.length && free[f]! < limit[i]!) return prev.slots[free[f++]!]!;
    return newSlot();
  });
  return { seqs, slots };
}

/**
 * The slots for this render's drawn rows, computed from the last commit's (pure but for reading
 * the focus, so a discarded or repeated render is harmless). `focused` is the message whose row has
 * the focus now (see `retire` above).
 */
export function useRowSlots(seqs: number[], focused: number | null): number[] {
  const committed = useRef<Slots>(NO_SLOTS);
  const current = assignSlots(committed.current, seqs, focused);
  useLayoutEffect(() => {
    committed.current = current;
  });
  return current.slots;
}

/** The key of the row in `list` that has the focus (or holds the focused element), if any. */
export function focusedRowKey(list: HTMLElement | null): number | null {
  const row = document.activeElement?.closest('[data-row-key]');
  return row && list?.contains(row) ? Number(row.getAttribute('data-row-key')) : null;
}
