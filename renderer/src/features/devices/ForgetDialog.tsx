import { useId, useRef, useState } from 'react';
import type { HostGate } from '../../components/hostGate';
import { useModalFocus } from '../../components/useModalFocus';

/**
 * Asks before forgetting a device, with the choice to delete its stored traffic and telemetry too
 * (off by default: history usually outlives the hardware). Cancel has the focus, Escape cancels.
 */
export function ForgetDialog({ id, host, onConfirm, onCancel }: { id: string; host: HostGate; onConfirm: (deleteHistory: boolean) => void; onCancel: () => void }) {
  const [deleteHistory, setDeleteHistory] = useState(false);
  const titleId = useId();
  const dialog = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const onKeyDown = useModalFocus(dialog, onCancel, cancel);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="forget-dialog" ref={dialog} onKeyDown={onKeyDown}>
        <h2 id={titleId}>Forget {id}?</h2>
        <p>Its token is revoked (a live session is closed) and it leaves the device list.</p>
        <label className="field checkbox">
          <input type="checkbox" checked={deleteHistory} onChange={(e) => setDeleteHistory(e.target.checked)} data-testid="forget-delete-history" />
          <span>Also delete its stored traffic and telemetry</span>
        </label>
        <p className="muted">{deleteHistory ? 'Its traffic log rows, telemetry history and per-device metrics are deleted now; this cannot be undone.' : 'Its traffic, telemetry and metrics stay until retention removes them.'}</p>
        <div className="row-actions">
          <button type="button" className="btn" onClick={onCancel} ref={cancel}>
            Cancel
          </button>
          <button type="button" className="btn danger" onClick={() => onConfirm(deleteHistory)} disabled={host.down} data-testid="forget-confirm" {...host.why}>
            Forget
          </button>
        </div>
      </div>
    </div>
  );
}
