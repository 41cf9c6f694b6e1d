import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import type { HostGate } from '../../components/hostGate';

/**
 * Asks before forgetting a device, with the choice to delete its stored traffic and telemetry too
 * (off by default: history usually outlives the hardware). Cancel has the focus, Escape cancels.
 */
export function ForgetDialog({ id, host, onConfirm, onCancel }: { id: string; host: HostGate; onConfirm: (deleteHistory: boolean) => void; onCancel: () => void }) {
  const [deleteHistory, setDeleteHistory] = useState(false);
  return (
    <ConfirmDialog title={`Forget ${id}?`} action="Forget" host={host} testId="forget" onConfirm={() => onConfirm(deleteHistory)} onCancel={onCancel}>
      <p>Its token is revoked (a live session is closed) and it leaves the device list.</p>
      <label className="field checkbox">
        <input type="checkbox" checked={deleteHistory} onChange={(e) => setDeleteHistory(e.target.checked)} data-testid="forget-delete-history" />
        <span>Also delete its stored traffic and telemetry</span>
      </label>
      <p className="muted">{deleteHistory ? 'Its traffic log rows, telemetry history and per-device metrics are deleted now; this cannot be undone.' : 'Its traffic, telemetry and metrics stay until retention removes them.'}</p>
    </ConfirmDialog>
  );
}
