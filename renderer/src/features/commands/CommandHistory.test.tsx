// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CommandHistoryEntry } from '../../../../shared/api/contract';
import { CommandHistory } from './CommandHistory';

afterEach(cleanup);

describe('command history', () => {
  it('loads an entry into the composer by keyboard as well as by click', () => {
    const entry: CommandHistoryEntry = { ts: 1_700_000_000_000, target: 'lamp-1', payload: '{"cmd":"ping"}', status: 'sent', error: null };
    const onReuse = vi.fn();
    render(<CommandHistory history={[entry]} onReuse={onReuse} />);
    const row = screen.getByText('lamp-1').closest('tr')!;
    expect(row.tabIndex).toBe(0);
    fireEvent.keyDown(row, { key: 'Enter' });
    expect(onReuse).toHaveBeenCalledWith(entry);
  });
});
