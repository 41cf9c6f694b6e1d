import { describe, expect, it } from 'vitest';
import { OrderedReceiver, UnorderedReceiver } from './receive-channels';

// A number delivered already must never be held again: the ordered channel would keep it below its
// next number for good (outside its byte cap), the unordered one would deliver it twice and keep it
// below its floor for good.
describe('receive channels refuse a number taken already', () => {
  it('ordered: a delivered or buffered number is a duplicate, not buffered again', () => {
    const r = new OrderedReceiver(1024, 100);
    expect(r.push(0, new Uint8Array(10))).toHaveLength(1);
    expect(r.push(0, new Uint8Array(100))).toBeNull();
    expect(r.heldBytes).toBe(0);
    expect(r.canTake(1, 100)).toBe(true);
    expect(r.push(2, new Uint8Array(30))).toEqual([]);
    expect(r.push(2, new Uint8Array(30))).toBeNull();
    expect(r.heldBytes).toBe(30);
    expect(r.push(1, new Uint8Array(5))).toHaveLength(2);
    expect(r.heldBytes).toBe(0);
  });

  it('unordered: a delivered number is refused and not remembered below the floor', () => {
    const r = new UnorderedReceiver(1024);
    expect(r.accept(0)).toBe(true);
    expect(r.accept(0)).toBe(false);
    expect(r.accept(2)).toBe(true);
    expect(r.accept(2)).toBe(false);
    expect(r.heldNumbers).toBe(1);
    expect(r.accept(1)).toBe(true);
    expect(r.heldNumbers).toBe(0);
    for (let i = 0; i < 200; i++) expect(r.accept(0)).toBe(false);
    expect(r.heldNumbers).toBe(0);
  });
});
