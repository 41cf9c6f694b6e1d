// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred } from './deferred';

afterEach(cleanup);

type Props = { name: string };

/** A dynamic import held open until the test settles it. */
function heldImport() {
  const calls: { resolve: (c: (p: Props) => ReactNode) => void; reject: (e: Error) => void }[] = [];
  const load = vi.fn(() => new Promise<(p: Props) => ReactNode>((resolve, reject) => calls.push({ resolve, reject })));
  return { load, calls };
}
const Greeting = ({ name }: Props) => <p>hello {name}</p>;
const placeholder = ({ name }: Props, failed: string | null) => <p>{failed ? `${name} failed: ${failed}` : `waiting for ${name}`}</p>;

describe('a component from its own chunk', () => {
  it('stands in until the chunk arrives, fetches it once, then draws new mounts at once', async () => {
    const { load, calls } = heldImport();
    const part = deferred(load, placeholder);
    render(<part.Component name="lamp" />);
    expect(screen.getByText('waiting for lamp')).toBeTruthy();
    void part.preload(); // main.tsx's idle preload while a chart already waits: still one fetch
    render(<part.Component name="fan" />);
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => calls[0]!.resolve(Greeting));
    expect(screen.getByText('hello lamp')).toBeTruthy();
    expect(screen.getByText('hello fan')).toBeTruthy();
    cleanup();
    render(<part.Component name="heater" />);
    expect(screen.getByText('hello heater')).toBeTruthy(); // no placeholder once loaded
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('preloaded before any draw: the first draw is the component itself', async () => {
    const { load, calls } = heldImport();
    const part = deferred(load, placeholder);
    const loaded = part.preload();
    calls[0]!.resolve(Greeting);
    await loaded;
    render(<part.Component name="fan" />);
    expect(screen.getByText('hello fan')).toBeTruthy();
    expect(screen.queryByText(/waiting/)).toBeNull();
  });

  it('a failed fetch says why in every place, the rest of the view stays, and nothing fetches it again', async () => {
    const { load, calls } = heldImport();
    const part = deferred(load, placeholder);
    render(
      <>
        <part.Component name="pump" />
        <part.Component name="valve" />
        <p>the rest of the view</p>
      </>,
    );
    await act(async () => calls[0]!.reject(new Error('Failed to fetch dynamically imported module')));
    expect(screen.getByText('pump failed: Failed to fetch dynamically imported module')).toBeTruthy();
    expect(screen.getByText('valve failed: Failed to fetch dynamically imported module')).toBeTruthy();
    expect(screen.getByText('the rest of the view')).toBeTruthy();
    // a new chart, a later preload: the browser keeps the failed import, so no loop of fetches
    render(<part.Component name="fan" />);
    await expect(part.preload()).rejects.toThrow('Failed to fetch');
    await act(() => new Promise((r) => setTimeout(r, 50)));
    expect(screen.getByText('fan failed: Failed to fetch dynamically imported module')).toBeTruthy();
    expect(load).toHaveBeenCalledTimes(1);
  });
});
