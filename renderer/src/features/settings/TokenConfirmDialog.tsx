import { ConfirmDialog } from '../../components/ConfirmDialog';
import type { HostGate } from '../../components/hostGate';

export type TokenAction = 'rotate' | 'revoke' | 'delete';

/** What each token action does, said before it is done (the Tokens view and a device's page ask the same). */
const ASK: Record<TokenAction, { title: (id: string) => string; action: string; consequence: string }> = {
  rotate: {
    title: (id) => `Rotate the token of ${id}?`,
    action: 'Rotate token',
    consequence: 'The old token stops working at once (a live session is closed). The device must be given the new token, shown next, before it can log in again.',
  },
  revoke: {
    title: (id) => `Revoke the token of ${id}?`,
    action: 'Revoke token',
    consequence: "The device's live session is closed at once and it cannot log in again. Rotating the token later gives it a new one.",
  },
  delete: {
    title: (id) => `Delete the revoked token of ${id}?`,
    action: 'Delete token',
    consequence: "It leaves this list; the device's traffic stays in the log.",
  },
};

/** Asks before rotating, revoking or deleting a device's token. Test ids: `token-${action}-dialog`, `token-${action}-confirm`. */
export function TokenConfirmDialog({ action, id, host, onConfirm, onCancel }: { action: TokenAction; id: string; host: HostGate; onConfirm: () => void; onCancel: () => void }) {
  const ask = ASK[action];
  return (
    <ConfirmDialog title={ask.title(id)} action={ask.action} host={host} testId={`token-${action}`} onConfirm={onConfirm} onCancel={onCancel}>
      <p data-testid="token-consequence">{ask.consequence}</p>
    </ConfirmDialog>
  );
}
