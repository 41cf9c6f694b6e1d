// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWith } from '../../test-utils';
import { CommandPalette } from './CommandPalette';

afterEach(cleanup);

describe('command palette', () => {
  it('takes the focus, keeps Tab inside, and gives the focus back when Escape closes it', () => {
    const { store } = renderWith(
      <>
        <button type="button">Traffic</button>
        <CommandPalette />
      </>,
    );
    const opener = screen.getByRole('button', { name: 'Traffic' });
    opener.focus();
    act(() => store.getState().setPaletteOpen(true));
    const input = screen.getByLabelText('Command');
    expect(document.activeElement).toBe(input);
    expect(screen.getByRole('dialog', { name: 'Command palette' }).getAttribute('aria-modal')).toBe('true');
    // Shift+Tab from the input wraps to the last action, not out to the page behind
    fireEvent.keyDown(input, { key: 'Tab', shiftKey: true });
    expect(document.activeElement?.textContent).toBe('Theme: follow system');
    act(() => void fireEvent.keyDown(document.activeElement!, { key: 'Escape' }));
    expect(store.getState().paletteOpen).toBe(false);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
