import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isTokenRefused, SHOW_TOKEN_COMMAND } from '../api/ws-client';
import { useApp } from '../store/context';
import type { AppState } from '../store/types';
import { EmptyState } from './EmptyState';

/** Why an action that needs the host is disabled while the connection is down. */
export const HOST_DOWN_TEXT = 'Not connected to the host';
/** Why it is disabled before the host has answered for the first time (no snapshot yet). */
export const HOST_CONNECTING_TEXT = 'Connecting to the host…';

/**
 * Why actions that need the host are held now, or null when they can run: the connection was
 * lost, or the first one has not brought the host's snapshot (hello and devices) yet. After a
 * reconnect the earlier snapshot stands, so only the very first attempt counts as connecting.
 */
export function hostHold(s: Pick<AppState, 'hostDown' | 'hello'>): string | null {
  if (s.hostDown) return HOST_DOWN_TEXT;
  return s.hello === null ? HOST_CONNECTING_TEXT : null;
}

/**
 * For actions that need the host: whether they are held (`down`: lost, or not reached yet), the
 * props that say why on a disabled control (a title, and aria-describedby pointing at the note),
 * and the note itself, to render near the controls. Everything comes back enabled when the host
 * (re)connects and has answered.
 */
export type HostGate = ReturnType<typeof useHostGate>;

export function useHostGate() {
  const reason = useApp(hostHold);
  const down = reason !== null;
  const noteId = useId();
  const why: { title?: string; 'aria-describedby'?: string } = reason ? { title: reason, 'aria-describedby': noteId } : {};
  const note = reason ? (
    <p className="muted host-down-note" id={noteId} data-testid="host-down-note">
      {reason === HOST_DOWN_TEXT ? `${HOST_DOWN_TEXT}: this comes back when it reconnects.` : `${HOST_CONNECTING_TEXT} Actions are enabled once it has answered.`}
    </p>
  ) : null;
  return { down, why, note };
}

/** Whether the host has answered once; until then a view's "nothing yet" would be a guess. */
export function useHostAnswered(): boolean {
  return useApp((s) => s.hello !== null);
}

/**
 * In place of a view's empty state until the host has answered: connecting, or (once the first
 * attempt failed) unreachable with the reason; the panel keeps retrying, except when the host
 * refused the page's admin token: then the card says how to get the right link. Test ids are
 * `${view}-connecting` and `${view}-unreachable` (the refused token too).
 */
export function HostWaiting({ view, what }: { view: string; what: string }) {
  const { down, detail } = useApp(useShallow((s) => ({ down: s.hostDown, detail: s.hostDetail })));
  if (down && isTokenRefused(detail)) {
    return (
      <EmptyState title="The host refused this page's admin token" testId={`${view}-unreachable`}>
        <p>{detail}</p>
        <p className="muted">
          {what} once the panel is opened with the right link; it does not retry with this one. On the host's machine, <code>{SHOW_TOKEN_COMMAND}</code> (with the same --db or --config) prints the
          link with the token: open it.
        </p>
      </EmptyState>
    );
  }
  if (down) {
    return (
      <EmptyState title="Cannot reach the host" testId={`${view}-unreachable`}>
        {/* the failure's reason; while the next attempt is under way there is none */}
        <p>{detail ?? 'Trying again…'}</p>
        <p className="muted">{what} as soon as the connection is up; the panel keeps retrying. Is the host running, and is this the link it printed?</p>
      </EmptyState>
    );
  }
  return (
    <EmptyState title={HOST_CONNECTING_TEXT} testId={`${view}-connecting`}>
      <p className="muted">{what} as soon as the host answers.</p>
    </EmptyState>
  );
}
