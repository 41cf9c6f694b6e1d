// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ThemeChoice } from '../../store/ui-slice';
import { useResolvedTheme } from './theme';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A prefers-color-scheme query the test flips, counting who asked and who listens. */
function systemScheme(dark: boolean) {
  const listeners = new Set<(e: { matches: boolean }) => void>();
  const query = {
    matches: dark,
    addEventListener: vi.fn((_: string, l: (e: { matches: boolean }) => void) => listeners.add(l)),
    removeEventListener: vi.fn((_: string, l: (e: { matches: boolean }) => void) => listeners.delete(l)),
  };
  const matchMedia = vi.fn(() => query);
  vi.stubGlobal('matchMedia', matchMedia);
  return { query, matchMedia, flip: (to: boolean) => listeners.forEach((l) => l({ matches: to })) };
}

function Theme({ choice }: { choice: ThemeChoice }) {
  return <p data-testid="theme">{useResolvedTheme(choice)}</p>;
}

describe('the resolved theme', () => {
  it('follows the system for "system", asking it once however often the app renders', () => {
    const system = systemScheme(true);
    const { rerender } = render(<Theme choice="system" />);
    expect(screen.getByTestId('theme').textContent).toBe('dark');
    for (let i = 0; i < 5; i++) rerender(<Theme choice="system" />);
    expect(system.matchMedia).toHaveBeenCalledTimes(1);
    expect(system.query.addEventListener).toHaveBeenCalledTimes(1);
    act(() => system.flip(false));
    expect(screen.getByTestId('theme').textContent).toBe('light');
    rerender(<Theme choice="dark" />);
    expect(screen.getByTestId('theme').textContent).toBe('dark');
    cleanup();
    expect(system.query.removeEventListener).toHaveBeenCalledTimes(1);
  });
});
