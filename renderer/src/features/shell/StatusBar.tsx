import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isTokenRefused, SHOW_TOKEN_COMMAND } from '../../api/ws-client';
import type { Notice } from '../../store/connection-slice';
import { useApp } from '../../store/context';

/** The UI's own connection to its host, always visible. */
export function HostStatus() {
  const { status, detail, hello, canRetry, down } = useApp(useShallow((s) => ({ status: s.hostStatus, detail: s.hostDetail, hello: s.hello, canRetry: s.canRetry, down: s.hostDown })));
  const retryNow = useApp((s) => s.retryNow);
  // the socket can be open before the host has answered the first time (no hello yet): that is
  // still connecting, as the views and the held actions say (hostHold); data-status stays the socket's
  const shown = status === 'open' && !hello ? 'connecting' : status;
  const text = shown === 'open' ? 'connected' : shown === 'connecting' ? 'connecting…' : 'disconnected';
  return (
    <div className={`host-status host-${shown}`} data-testid="host-status" data-status={status} title={detail ?? undefined}>
      <span className={`dot ${shown === 'open' ? 'on' : shown === 'connecting' ? 'wait' : 'off'}`} />
      Host {text}
      {hello && status === 'open' && (
        <span className="muted">
          {' '}
          · {hello.mode} · TCP {hello.tcpPort}
          {hello.udpPort !== null && ` · UDP ${hello.udpPort}`}
          {hello.tlsPort !== null && ` · TLS ${hello.tlsPort}`}
          {' · '}
          <span data-testid="data-path" title={hello.dataPathNote}>
            {hello.dataPath === 'native' ? 'native data path' : 'standard data path'}
          </span>
        </span>
      )}
      {/* the web client says itself whether and when it retries ("retrying in 2 s", "Not retrying") */}
      {status === 'closed' && detail && <span className="error-text"> · {/\bretry/i.test(detail) ? detail : `${detail} (retrying)`}</span>}
      {/* also while an attempt is under way ('connecting' between two failures): no flicker; a click then does nothing */}
      {status !== 'open' && down && canRetry && (
        <button type="button" className="btn retry-now" onClick={retryNow} data-testid="retry-now">
          Retry now
        </button>
      )}
    </div>
  );
}

/**
 * Over the view while the host is away after having been reached: the devices still read
 * "online", the counters stand still, so say that this is the last known state.
 */
export function StaleBanner() {
  const stale = useApp((s) => s.hostStatus !== 'open' && s.hello !== null);
  // a host that refused the page's token is not tried again: say how to get back in, not "Reconnecting…"
  const refused = useApp((s) => isTokenRefused(s.hostDetail));
  if (!stale) return null;
  return (
    <p className="stale-banner" role="alert" data-testid="stale-banner">
      Lost the connection to the host: what you see is the last known state and is not updating.{' '}
      {refused ? (
        <>
          The host refused this page&apos;s admin token, so the panel does not reconnect: on the host&apos;s machine, <code>{SHOW_TOKEN_COMMAND}</code> prints the link to open.
        </>
      ) : (
        'Reconnecting…'
      )}
    </p>
  );
}

const INFO_NOTICE_MS = 6000;
/** A plain warning (a failed login, a host hiccup) goes by itself too, later than info. */
export const WARN_NOTICE_MS = 20_000;
/** At most this many notices over the view at once; the older wait behind "N more". */
export const VISIBLE_NOTICES = 3;

/** How long a notice stays by itself, or null when it stays until dismissed (errors, offline alerts, a failed load that clears itself). */
function lifetime(n: Notice): number | null {
  if (n.level === 'info') return INFO_NOTICE_MS;
  if (n.level === 'warn' && n.alert === undefined && n.key === undefined) return WARN_NOTICE_MS;
  return null;
}

export function Notices() {
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismissNotice);
  const dismissAll = useApp((s) => s.dismissAllNotices);
  const navigate = useApp((s) => s.navigate);
  const setDeviceFilter = useApp((s) => s.setDeviceFilter);
  const [expanded, setExpanded] = useState(false);
  // info (and plain warnings) go away by themselves after they came (not after the last change to the
  // list, which would keep them up while other notices keep coming); errors and offline alerts stay
  const dueAt = useRef(new Map<number, number>());
  useEffect(() => {
    const now = Date.now();
    const timed = notices.filter((n) => lifetime(n) !== null);
    for (const id of dueAt.current.keys()) if (!timed.some((n) => n.id === id)) dueAt.current.delete(id);
    const timers = timed.map((n) => {
      if (!dueAt.current.has(n.id)) dueAt.current.set(n.id, now + lifetime(n)!);
      return setTimeout(() => dismiss(n.id), Math.max(0, dueAt.current.get(n.id)! - now));
    });
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  // a bounded stack in the corner: only the newest info (a newer outcome replaces the older), and
  // at most VISIBLE_NOTICES in all unless the user asks for the rest, so the toasts cover little of the view
  const newestInfo = [...notices].reverse().find((n) => n.level === 'info');
  const shown = notices.filter((n) => n.level !== 'info' || n === newestInfo);
  const hidden = expanded ? 0 : Math.max(0, shown.length - VISIBLE_NOTICES);
  const visible = shown.slice(hidden);
  return (
    // mounted (and empty) while there are no notices: a live region added together with its first message is often not read out
    <div className="notices" role="status" aria-live="polite" data-testid="notices">
      {(notices.length > 1 || hidden > 0) && (
        // errors and alerts stay until dismissed: a pile of them must not take the corner of the view one by one
        <div className="notices-bar">
          {(hidden > 0 || expanded) && shown.length > VISIBLE_NOTICES && (
            <button type="button" className="btn notices-more" onClick={() => setExpanded(!expanded)} aria-expanded={expanded} data-testid="notices-more">
              {expanded ? 'Show fewer' : `${hidden} more`}
            </button>
          )}
          <button type="button" className="btn notices-clear" onClick={dismissAll} data-testid="notices-dismiss-all">
            Dismiss all
          </button>
        </div>
      )}
      {visible.map((n) => (
        <div key={n.id} className={`notice notice-${n.level}`} data-testid={`notice-${n.level}`}>
          <span>
            {n.text}
            {n.count > 1 && (
              <span className="notice-count" data-testid="notice-count" aria-label={`${n.count} times`}>
                {' '}
                ×{n.count}
              </span>
            )}
          </span>
          {n.device !== undefined && (
            <button type="button" className="btn link" onClick={() => navigate('device', n.device)} data-testid="notice-open-device">
              Open device
            </button>
          )}
          {n.alert === 'offline' && n.device === undefined && (
            // a burst summed up: the offline devices are the Devices list filtered
            <button
              type="button"
              className="btn link"
              onClick={() => {
                setDeviceFilter('offline');
                navigate('devices');
              }}
              data-testid="notice-show-offline"
            >
              Show offline devices
            </button>
          )}
          <button type="button" className="btn ghost" onClick={() => dismiss(n.id)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
