import { useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';

import type { HostGate } from '../../components/hostGate';
import { useModalFocus } from '../../components/useModalFocus';
import { useApp } from '../../store/context';

/** Shows who will receive a broadcast (online devices) and asks before sending; Cancel has the focus, Escape cancels. */
export function BroadcastDialog({ payload, host, onConfirm, onCancel }: { payload: string; host: HostGate; onConfirm: () => void; onCancel: () => void }) {
  const { devices, ids } = useApp(useShallow((s) => ({ devices: s.devices, ids: s.deviceIds })));
  const online = useMemo(() => ids.filter((id) => devices[id]?.online), [devices, ids]);
  const dialog = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const onKeyDown = useModalFocus(dialog, onCancel, cancel);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-label="Confirm broadcast" data-testid="broadcast-dialog" ref={dialog} onKeyDown={onKeyDown}>
        <h2>Broadcast to {online.length} online device{online.length === 1 ? '' : 's'}?</h2>
        <pre className="mono snippet">{payload}</pre>
        <p className="muted">Recipients (offline devices do not receive broadcasts):</p>
        <ul className="recipients" data-testid="broadcast-recipients">
          {online.slice(0, 200).map((id) => (
            <li key={id}>{id}</li>
          ))}
          {online.length > 200 && <li className="muted">… and {online.length - 200} more</li>}
        </ul>
        <div className="row-actions">
          <button type="button" className="btn" onClick={onCancel} ref={cancel}>
            Cancel
          </button>
          <button type="button" className="btn primary" onClick={onConfirm} disabled={online.length === 0 || host.down} data-testid="broadcast-confirm" {...host.why}>
            Send broadcast
          </button>
        </div>
      </div>
    </div>
  );
}
