import { useId } from 'react';
import { useApp } from '../store/context';

/** Why an action that needs the host is disabled while the connection is down. */
export const HOST_DOWN_TEXT = 'Not connected to the host';

/**
 * For actions that need the host: whether the connection is down, the props that say why on a
 * disabled control (a title, and aria-describedby pointing at the note), and the note itself,
 * to render near the controls. Everything comes back enabled when the host reconnects.
 */
export type HostGate = ReturnType<typeof useHostGate>;

export function useHostGate() {
  const down = useApp((s) => s.hostDown);
  const noteId = useId();
  const why: { title?: string; 'aria-describedby'?: string } = down ? { title: HOST_DOWN_TEXT, 'aria-describedby': noteId } : {};
  const note = down ? (
    <p className="muted host-down-note" id={noteId} data-testid="host-down-note">
      {HOST_DOWN_TEXT}: this comes back when it reconnects.
    </p>
  ) : null;
  return { down, why, note };
}
