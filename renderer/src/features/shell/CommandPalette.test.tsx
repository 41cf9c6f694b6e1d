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

  it('moves an active option with Up/Down/Home/End, scrolls it into view, and Enter runs it', () => {
    const scrolled: string[] = [];
    const proto = Element.prototype as { scrollIntoView?: unknown };
    const saved = proto.scrollIntoView;
    proto.scrollIntoView = function (this: Element) {
      scrolled.push(this.id);
    };
    try {
      const { store } = renderWith(<CommandPalette />);
      act(() => store.getState().setPaletteOpen(true));
      const input = screen.getByRole('combobox', { name: 'Command' });
      const listbox = screen.getByRole('listbox');
      expect(input.getAttribute('aria-controls')).toBe(listbox.id);
      const options = () => screen.getAllByRole('option');
      const activeLabel = () => document.getElementById(input.getAttribute('aria-activedescendant')!)?.textContent;
      expect(activeLabel()).toBe(options()[0]!.textContent);
      expect(options()[0]!.getAttribute('aria-selected')).toBe('true');
      fireEvent.keyDown(input, { key: 'ArrowDown' });
      fireEvent.keyDown(input, { key: 'ArrowDown' });
      expect(activeLabel()).toBe(options()[2]!.textContent);
      expect(options()[2]!.getAttribute('aria-selected')).toBe('true');
      expect(options()[0]!.getAttribute('aria-selected')).toBe('false');
      expect(scrolled.at(-1)).toBe(options()[2]!.id);
      fireEvent.keyDown(input, { key: 'End' });
      expect(activeLabel()).toBe('Theme: follow system');
      expect(scrolled.at(-1)).toBe(options().at(-1)!.id);
      fireEvent.keyDown(input, { key: 'ArrowDown' }); // wraps to the first
      expect(activeLabel()).toBe(options()[0]!.textContent);
      fireEvent.keyDown(input, { key: 'ArrowUp' }); // and back to the last
      expect(activeLabel()).toBe('Theme: follow system');
      fireEvent.keyDown(input, { key: 'Home' });
      expect(activeLabel()).toBe(options()[0]!.textContent);
      // typing filters and makes the first match active again
      fireEvent.keyDown(input, { key: 'ArrowDown' });
      fireEvent.change(input, { target: { value: 'theme' } });
      expect(options().map((o) => o.textContent)).toEqual(['Theme: light', 'Theme: dark', 'Theme: follow system']);
      expect(activeLabel()).toBe('Theme: light');
      fireEvent.keyDown(input, { key: 'ArrowDown' });
      act(() => void fireEvent.keyDown(input, { key: 'Enter' }));
      expect(store.getState().theme).toBe('dark');
      expect(store.getState().paletteOpen).toBe(false);
    } finally {
      proto.scrollIntoView = saved;
    }
  });
});
