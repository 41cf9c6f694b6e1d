// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWith } from '../test-utils';
import { ConfirmDialog } from './ConfirmDialog';
import type { HostGate } from './hostGate';

afterEach(cleanup);

const up: HostGate = { down: false, why: {}, note: null };

describe('confirm dialog', () => {
  it('a click on its text keeps the focus in the dialog: Escape still cancels and Shift+Tab wraps to its last button', () => {
    const onCancel = vi.fn();
    renderWith(
      <ConfirmDialog title="Forget lamp?" action="Forget" host={up} testId="forget" onConfirm={() => {}} onCancel={onCancel}>
        <p>Its history stays.</p>
      </ConfirmDialog>,
    );
    const dialog = screen.getByRole('dialog', { name: 'Forget lamp?' });
    // what a click on the paragraph does in a browser: focus goes to the nearest focusable ancestor
    act(() => dialog.focus());
    expect(document.activeElement).toBe(dialog);
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('forget-confirm'));
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});
