// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { useRef } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useOnScreen } from './useOnScreen';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** An IntersectionObserver the test drives: `report` says whether the watched element is in view. */
function stubObserver() {
  const observers: { callback: (entries: { isIntersecting: boolean }[]) => void; options: { rootMargin?: string }; disconnected: boolean }[] = [];
  vi.stubGlobal(
    'IntersectionObserver',
    class {
      private readonly record: (typeof observers)[number];
      constructor(callback: (entries: { isIntersecting: boolean }[]) => void, options: { rootMargin?: string }) {
        this.record = { callback, options, disconnected: false };
        observers.push(this.record);
      }
      observe() {}
      disconnect() {
        this.record.disconnected = true;
      }
    },
  );
  return { observers, report: (inView: boolean) => act(() => observers.at(-1)!.callback([{ isIntersecting: inView }])) };
}

function Watched() {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div ref={ref} data-testid="watched">
      {useOnScreen(ref) ? 'on screen' : 'off screen'}
    </div>
  );
}

describe('useOnScreen', () => {
  it('is on screen until the observer says otherwise, follows it, and lets it go on unmount', () => {
    const io = stubObserver();
    const { unmount } = render(<Watched />);
    expect(screen.getByTestId('watched').textContent).toBe('on screen'); // a first draw is never held
    expect(io.observers[0]!.options.rootMargin).toBe('200px'); // near the screen counts: drawn before it scrolls in
    io.report(false);
    expect(screen.getByTestId('watched').textContent).toBe('off screen');
    io.report(true);
    expect(screen.getByTestId('watched').textContent).toBe('on screen');
    unmount();
    expect(io.observers[0]!.disconnected).toBe(true);
  });

  it('is on screen for good where there is no IntersectionObserver', () => {
    vi.stubGlobal('IntersectionObserver', undefined);
    render(<Watched />);
    expect(screen.getByTestId('watched').textContent).toBe('on screen');
  });
});
