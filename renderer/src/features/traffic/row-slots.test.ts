import { describe, expect, it } from 'vitest';
import { assignSlots, NO_SLOTS, type Slots } from './row-slots';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const first = (seqs: number[]): Slots => assignSlots(NO_SLOTS, seqs, null);

describe('row slots', () => {
  it('gives new messages the slots of the ones that left, in the same order, so no element moves', () => {
    const a = first(range(1, 5));
    expect(a.slots).toEqual([0, 1, 2, 3, 4]);
    // all five replaced (the list followed a batch larger than the view)
    expect(assignSlots(a, range(100, 5), null).slots).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps the slot of a message still drawn, and refills the freed ones after the kept rows', () => {
    // 9 arrives above the kept 1..4: a new slot (5) rather than 5's (below them)
    const a = assignSlots(first(range(1, 5)), [9, 1, 2, 3, 4], null);
    expect(a.slots).toEqual([5, 0, 1, 2, 3]);
    // scrolled down by two: 1 and 9 (at the top) leave, 5 and 6 arrive at the bottom and take their slots
    const b = assignSlots(a, [2, 3, 4, 5, 6], null);
    expect(b.slots).toEqual([1, 2, 3, 5, 0]);
  });

  it('does not give a new row above kept rows a slot from below them (React would move the kept elements, and the focus with them)', () => {
    const a = first(range(10, 5)); // 10..14 in slots 0..4
    // scrolled up by two: 13 and 14 leave, 8 and 9 arrive above the kept 10..12
    const b = assignSlots(a, range(8, 5), null);
    expect(b.slots.slice(2)).toEqual([0, 1, 2]);
    // new slots for 8 and 9: neither 3 nor 4 (the elements that were below)
    expect(b.slots.slice(0, 2)).toEqual([5, 6]);
  });

  it('does not reuse the slot of the focused row when its message leaves, so its element is dropped rather than showing another message', () => {
    const a = first(range(1, 4)); // 1..4 in slots 0..3
    const b = assignSlots(a, range(5, 4), 2);
    expect(b.slots).not.toContain(1);
    expect(b.slots).toEqual([0, 2, 3, 4]);
    // the next commit may use it again
    expect(assignSlots(b, range(9, 4), null).slots).toEqual([0, 2, 3, 4]);
    expect(assignSlots(b, range(9, 5), null).slots).toEqual([0, 2, 3, 4, 1]);
  });

  it('keeps slots unique however the drawn rows change', () => {
    let s = NO_SLOTS;
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 300; round++) {
      const start = rnd(60);
      const drawn = range(start, 5 + rnd(30)).filter(() => rnd(5) > 0);
      const focused = s.seqs.length ? s.seqs[rnd(s.seqs.length)]! : null;
      const next = assignSlots(s, drawn, focused);
      expect(new Set(next.slots).size).toBe(drawn.length);
      // a message drawn in both keeps its slot
      for (const [i, seq] of drawn.entries()) {
        const old = s.seqs.indexOf(seq);
        if (old >= 0) expect(next.slots[i]).toBe(s.slots[old]);
      }
      // the focused row's slot goes to no other message
      if (focused !== null && !drawn.includes(focused)) expect(next.slots).not.toContain(s.slots[s.seqs.indexOf(focused)]);
      s = next;
    }
  });
});
