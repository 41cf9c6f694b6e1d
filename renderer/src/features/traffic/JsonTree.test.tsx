// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonTree } from './JsonTree';

afterEach(cleanup);

describe('JSON tree', () => {
  it('names each expand/collapse button by its key (not by the ▾ glyph) and says whether it is open', () => {
    render(<JsonTree value={{ state: { relay1: true }, list: [1, 2] }} />);
    const root = screen.getByRole('button', { name: 'payload' });
    const state = screen.getByRole('button', { name: 'state' });
    expect(state.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('button', { name: 'list' })).toBeTruthy();
    fireEvent.click(state);
    expect(state.getAttribute('aria-expanded')).toBe('false');
    expect(root.getAttribute('aria-expanded')).toBe('true');
  });
});
