// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeClient } from '../api/fake-client';
import { StoreProvider } from '../store/context';
import { setup } from '../test-utils';
import { usePolled } from './usePolled';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('usePolled', () => {
  it('calls now and every interval, keeps the last good answer when a call fails, stops when unmounted', async () => {
    const client = createFakeClient();
    let n = 0;
    client.handlers['metrics.topTalkers'] = () => {
      n++;
      if (n === 2) throw new Error('host busy');
      return [{ device: `d${n}`, msgsPerSecond: n, bytesPerSecond: 0 }];
    };
    const ctx = setup(client);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <StoreProvider store={ctx.store} client={ctx.client}>
        {children}
      </StoreProvider>
    );
    const { result, unmount } = renderHook(() => usePolled('metrics.topTalkers', { limit: 3 }, 1000), { wrapper });
    await act(async () => {});
    expect(result.current).toEqual({ data: [{ device: 'd1', msgsPerSecond: 1, bytesPerSecond: 0 }], error: null });
    await act(async () => void vi.advanceTimersByTime(1000));
    expect(result.current.data![0]!.device).toBe('d1');
    expect(result.current.error).toContain('host busy');
    await act(async () => void vi.advanceTimersByTime(1000));
    expect(result.current).toEqual({ data: [{ device: 'd3', msgsPerSecond: 3, bytesPerSecond: 0 }], error: null });
    unmount();
    await act(async () => void vi.advanceTimersByTime(5000));
    expect(n).toBe(3);
    expect(client.calls.every((c) => JSON.stringify(c.params) === '{"limit":3}')).toBe(true);
  });
});
