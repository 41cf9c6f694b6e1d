// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useThrottled } from './useThrottled';

let hidden = false;
beforeEach(() => {
  vi.useFakeTimers();
  hidden = false;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  delete (document as { hidden?: boolean }).hidden;
});

const setHidden = (v: boolean) =>
  act(() => {
    hidden = v;
    document.dispatchEvent(new Event('visibilitychange'));
  });

describe('useThrottled', () => {
  it('passes the value on at most once per interval, the latest one', () => {
    const { result, rerender } = renderHook(({ v }) => useThrottled(v, 1000), { initialProps: { v: 1 } });
    expect(result.current).toBe(1);
    rerender({ v: 2 });
    rerender({ v: 3 });
    expect(result.current).toBe(1);
    act(() => void vi.advanceTimersByTime(999));
    expect(result.current).toBe(1);
    act(() => void vi.advanceTimersByTime(1));
    expect(result.current).toBe(3);
    // a change after a quiet interval goes through at once
    act(() => void vi.advanceTimersByTime(1500));
    rerender({ v: 4 });
    expect(result.current).toBe(4);
  });

  it('holds while the page is hidden and catches up when shown', () => {
    const { result, rerender } = renderHook(({ v }) => useThrottled(v, 1000), { initialProps: { v: 1 } });
    setHidden(true);
    rerender({ v: 2 });
    act(() => void vi.advanceTimersByTime(5000));
    rerender({ v: 3 });
    act(() => void vi.advanceTimersByTime(5000));
    expect(result.current).toBe(1);
    setHidden(false);
    expect(result.current).toBe(3);
  });

  it('holds while paused (a chart out of sight) and catches up when it comes back', () => {
    const { result, rerender } = renderHook(({ v, paused }) => useThrottled(v, 1000, 0, paused), { initialProps: { v: 1, paused: false } });
    rerender({ v: 1, paused: true });
    rerender({ v: 2, paused: true });
    act(() => void vi.advanceTimersByTime(5000));
    expect(result.current).toBe(1);
    rerender({ v: 2, paused: false });
    expect(result.current).toBe(2);
  });
});
