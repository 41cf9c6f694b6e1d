import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';

import { ConfirmDialog } from '../../components/ConfirmDialog';
import type { HostGate } from '../../components/hostGate';
import { useApp } from '../../store/context';

/** Shows who will receive a broadcast (online devices) and asks before sending; Cancel has the focus, Escape cancels. */
export function BroadcastDialog({ payload, host, onConfirm, onCancel }: { payload: string; host: HostGate; onConfirm: () => void; onCancel: () => void }) {
  const { devices, ids } = useApp(useShallow((s) => ({ devices: s.devices, ids: s.deviceIds })));
  const online = useMemo(() => ids.filter((id) => devices[id]?.online), [devices, ids]);
  return (
    <ConfirmDialog
      title={`Broadcast to ${online.length} online device${online.length === 1 ? '' : 's'}?`}
      label="Confirm broadcast"
      action="Send broadcast"
      tone="primary"
      host={host}
      disabled={online.length === 0}
      testId="broadcast"
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <pre className="mono snippet">{payload}</pre>
      <p className="muted">Recipients (offline devices do not receive broadcasts):</p>
      <ul className="recipients" data-testid="broadcast-recipients">
        {online.slice(0, 200).map((id) => (
          <li key={id}>{id}</li>
        ))}
        {online.length > 200 && <li className="muted">… and {online.length - 200} more</li>}
      </ul>
    </ConfirmDialog>
  );
}
