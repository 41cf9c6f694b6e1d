import { useId, useRef, type ReactNode } from 'react';
import type { HostGate } from './hostGate';
import { useModalFocus } from './useModalFocus';

/**
 * The panel's question before an action that cannot be taken back: a title, what will happen
 * (`children`), Cancel and the action. Cancel has the focus (Enter on it cancels, Tab reaches the
 * action), Escape cancels, Tab stays inside, and focus goes back to the opener on close. Test ids
 * are `${testId}-dialog` and `${testId}-confirm`.
 */
export function ConfirmDialog({
  title,
  label,
  action,
  tone = 'danger',
  host,
  disabled = false,
  testId,
  onConfirm,
  onCancel,
  children,
}: {
  title: ReactNode;
  /** The dialog's accessible name when the title alone would not say it. */
  label?: string;
  /** The confirm button's text, e.g. "Revoke token". */
  action: string;
  tone?: 'danger' | 'primary';
  host: HostGate;
  disabled?: boolean;
  testId: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  const titleId = useId();
  const dialog = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const onKeyDown = useModalFocus(dialog, onCancel, cancel);
  const name = label ? { 'aria-label': label } : { 'aria-labelledby': titleId };
  return (
    <div className="modal-backdrop">
      {/* tabIndex -1: a click on its text keeps the focus in the dialog (not on main), so Escape and the Tab trap still work */}
      <div className="modal" role="dialog" aria-modal="true" tabIndex={-1} {...name} data-testid={`${testId}-dialog`} ref={dialog} onKeyDown={onKeyDown}>
        <h2 id={titleId}>{title}</h2>
        {children}
        <div className="row-actions">
          <button type="button" className="btn" onClick={onCancel} ref={cancel}>
            Cancel
          </button>
          <button type="button" className={`btn ${tone}`} onClick={onConfirm} disabled={disabled || host.down} data-testid={`${testId}-confirm`} {...host.why}>
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}
