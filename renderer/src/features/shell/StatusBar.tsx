import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
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
      {status === 'closed' && detail && <span className="error-text"> · {detail} (retrying)</span>}
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
  if (!stale) return null;
  return (
    <p className="stale-banner" role="alert" data-testid="stale-banner">
      Lost the connection to the host: what you see is the last known state and is not updating. Reconnecting…
    </p>
  );
}

const INFO_NOTICE_MS = 6000;

export function Notices() {
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismissNotice);
  const dismissAll = useApp((s) => s.dismissAllNotices);
  const navigate = useApp((s) => s.navigate);
  const setDeviceFilter = useApp((s) => s.setDeviceFilter);
  // info goes away by itself INFO_NOTICE_MS after it came (not after the last change to the list,
  // which would keep it up while other notices keep coming); warnings and errors stay until dismissed
  const dueAt = useRef(new Map<number, number>());
  useEffect(() => {
    const now = Date.now();
    const info = notices.filter((n) => n.level === 'info');
    for (const id of dueAt.current.keys()) if (!info.some((n) => n.id === id)) dueAt.current.delete(id);
    const timers = info.map((n) => {
      if (!dueAt.current.has(n.id)) dueAt.current.set(n.id, now + INFO_NOTICE_MS);
      return setTimeout(() => dismiss(n.id), Math.max(0, dueAt.current.get(n.id)! - now));
    });
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.length > 1 && (
        // warnings stay until dismissed: a pile of them must not take the corner of the view one by one
        <button type="button" className="btn notices-clear" onClick={dismissAll} data-testid="notices-dismiss-all">
          Dismiss all
        </button>
      )}
      {notices.map((n) => (
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
