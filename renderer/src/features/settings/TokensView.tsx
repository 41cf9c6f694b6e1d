import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { TokenInfo } from '../../../../shared/api/contract';
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE, RESERVED_DEVICE_ID_RULE, RESERVED_DEVICE_IDS } from '../../../../shared/api/limits';
import { errorText } from '../../api/errors';
import { EmptyState } from '../../components/EmptyState';
import { formatAgo } from '../../components/format';
import { HostWaiting, useHostGate, type HostGate } from '../../components/hostGate';
import { useHostNow } from '../../components/useNow';
import { useApi, useApp } from '../../store/context';
import { TokenConfirmDialog, type TokenAction } from './TokenConfirmDialog';
import { revokeNotice } from './token-notices';
import { TokenReveal } from './TokenReveal';

const ROW_ESTIMATE = 42; // px, a row's height in styles.css (.tokens-view tbody tr)
/** A search box above the list once it is longer than this (a few tokens are found by eye). */
const SEARCH_FROM = 10;

/**
 * The rows in view and 10 either side (one token a device: thousands of rows of buttons otherwise).
 * The view itself scrolls, as before; a row's height is measured (a long id wraps).
 */
function useTokenRows(count: number) {
  const view = useRef<HTMLElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  // where the rows start in the view's scrolled content: below the add-a-device card, whose height
  // changes (the view is positioned, styles.css, so the table's offsetTop is from the view's top)
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => {
    const table = body.current?.offsetParent as HTMLElement | null | undefined;
    if (!body.current || !table) return;
    const m = table.offsetTop + body.current.offsetTop;
    if (m !== margin) setMargin(m);
  });
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => view.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 10,
    scrollMargin: margin,
    // fractional, as the table lays rows out (offsetHeight rounds); jsdom has only offsetHeight
    measureElement: (el) => el.getBoundingClientRect().height || (el as HTMLElement).offsetHeight || ROW_ESTIMATE,
  });
  const items = virtual.getVirtualItems();
  // a row's start and end count from the view's top (scrollMargin included), the total size from the list's
  const before = items.length ? items[0]!.start - margin : 0;
  const after = items.length ? virtual.getTotalSize() - (items.at(-1)!.end - margin) : 0;
  return { view, body, items, before, after, measure: virtual.measureElement };
}

/**
 * A new token is shown once, in the card at the top: after a Rotate far down the list it would be
 * off-screen, as if nothing happened. So it is scrolled into view (at once when the user asked for
 * reduced motion) and given the focus, where a screen reader reads it.
 */
function useFocusedReveal(revealed: object | null) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!revealed || !el) return;
    const reduced = typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView?.({ block: 'nearest', behavior: reduced ? 'auto' : 'smooth' });
    // preventScroll: focus's own jump would cut the smooth scroll short
    el.focus({ preventScroll: true });
  }, [revealed]);
  return box;
}

/** In place of the list until it has come: on its way, or why not, with a retry. */
function TokensNotLoaded({ error, gate, onRetry }: { error: string | null; gate: HostGate; onRetry: () => void }) {
  if (error === null) return <p className="muted" data-testid="tokens-loading">Loading tokens…</p>;
  return (
    <div className="card" data-testid="tokens-not-loaded">
      <p className="error-text">Could not load the token list: {error}</p>
      <p className="muted">{gate.down ? 'It loads when the host is back.' : 'It is tried again after each action and on reconnect.'}</p>
      <button type="button" className="btn" disabled={gate.down} {...gate.why} onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

export function TokensView() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const clearNotices = useApp((s) => s.clearNotices);
  // "last login" is as of the list's last load: it stops counting while the host is away
  const now = useHostNow(5000);
  // a device online now says so: its last login may be days old and still in use. Selected as one
  // string, so the list renders again when who is online changes, not at every device update.
  const onlineKey = useApp((s) => Object.values(s.devices).filter((d) => d.online).map((d) => d.id).join('\n'));
  const online = useMemo(() => new Set(onlineKey.split('\n')), [onlineKey]);
  const [tokens, setTokens] = useState<TokenInfo[]>([]);
  // until the list has come once, "No device tokens" would be a guess: loading, or why it failed
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const gate = useHostGate();
  const [revealed, setRevealed] = useState<{ id: string; token: string } | null>(null);
  const newId = useRef<HTMLInputElement>(null);
  const revealBox = useFocusedReveal(revealed);
  const reload = useCallback(() => {
    api.call('tokens.list', {}).then(
      (list) => {
        setTokens(list);
        setLoaded(true);
        setLoadError(null);
        clearNotices('tokens.load');
      },
      (err: unknown) => {
        setLoadError(errorText(err));
        notify('error', `Could not load tokens: ${errorText(err)}`, { key: 'tokens.load' });
      },
    );
  }, [api, notify, clearNotices]);
  // again after the host comes back (a new hello): a list that failed to load loads now
  const hello = useApp((s) => s.hello);
  useEffect(reload, [reload, hello]);
  const reserved = RESERVED_DEVICE_IDS.includes(name);
  const idValid = DEVICE_ID_PATTERN.test(name) && !reserved;
  const act = async (fn: () => Promise<void>, what: string) => {
    try {
      await fn();
    } catch (err) {
      notify('error', `${what} failed: ${errorText(err)}`);
    }
    reload();
  };
  /** The token action waiting for its dialog's answer. */
  const [asking, setAsking] = useState<{ action: TokenAction; id: string } | null>(null);
  // a search, since only the rows in view are drawn (the browser's find does not see the others)
  const [search, setSearch] = useState('');
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return q ? tokens.filter((t) => t.id.toLowerCase().includes(q)) : tokens;
  }, [tokens, search]);
  const rows = useTokenRows(shown.length);
  const runAsked = ({ action, id }: { action: TokenAction; id: string }) => {
    setAsking(null);
    if (action === 'rotate') void act(async () => setRevealed(await api.call('tokens.rotate', { id })), 'Rotate');
    else if (action === 'revoke') void act(async () => notify('info', revokeNotice(id, await api.call('tokens.revoke', { id }))), 'Revoke');
    else
      void act(async () => {
        await api.call('tokens.delete', { id });
        notify('info', `Token of ${id} deleted`);
      }, 'Delete');
  };
  return (
    <section className="view tokens-view" data-testid="tokens-view" ref={rows.view}>
      <div className="card">
        <h2>Add a device</h2>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (!idValid) return;
            void act(async () => {
              setRevealed(await api.call('tokens.create', { id: name }));
              setName('');
            }, 'Create');
          }}
        >
          <input ref={newId} aria-label="New device id" placeholder="device id, e.g. garage-relay" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn primary" disabled={!idValid || gate.down} {...gate.why}>
            Create device
          </button>
        </form>
        {gate.note}
        {name && !idValid && <p className="error-text">{reserved ? RESERVED_DEVICE_ID_RULE : DEVICE_ID_RULE}</p>}
        {revealed && (
          <div ref={revealBox} tabIndex={-1} role="region" aria-label={`New token for ${revealed.id}`} data-testid="token-reveal-box">
            <TokenReveal
              id={revealed.id}
              token={revealed.token}
              onDone={() => {
                setRevealed(null);
                // "I saved it" goes with the token: the focus to the field for the next device, not to the page body
                newId.current?.focus();
              }}
            />
          </div>
        )}
      </div>
      {!loaded && !hello ? (
        <HostWaiting view="tokens" what="The token list loads" />
      ) : !loaded ? (
        <TokensNotLoaded
          error={loadError}
          gate={gate}
          onRetry={() => {
            setLoadError(null);
            reload();
          }}
        />
      ) : tokens.length === 0 ? (
        <EmptyState title="No device tokens" testId="tokens-empty">
          Every device logs in with its own token. Create one above, paste the snippet into your sketch and flash it.
        </EmptyState>
      ) : (
        <>
          {(tokens.length > SEARCH_FROM || search) && (
            <input className="search tokens-search" type="search" placeholder="Search tokens" aria-label="Search tokens" value={search} onChange={(e) => setSearch(e.target.value)} />
          )}
          {shown.length === 0 ? (
            <p className="no-match" data-testid="tokens-no-match">
              No token matches "{search.trim()}".{' '}
              <button type="button" className="btn" onClick={() => setSearch('')}>
                Show all tokens
              </button>
            </p>
          ) : (
            <table className="simple" data-testid="tokens-table" aria-rowcount={shown.length + 1}>
              <thead>
                <tr aria-rowindex={1}>
                  <th>Device</th>
                  <th className="opt3">Created</th>
                  <th className="opt3">Last login</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody ref={rows.body}>
                {rows.before > 0 && (
                  <tr aria-hidden="true" className="spacer" style={{ height: rows.before }}>
                    <td colSpan={5} />
                  </tr>
                )}
                {rows.items.map(({ index }) => [index, shown[index]!] as const).map(([index, t]) => (
                  <tr key={t.id} data-testid={`token-row-${t.id}`} data-index={index} aria-rowindex={index + 2} ref={rows.measure}>
                    <td className="token-id">{t.id}</td>
                    <td className="opt3">{formatAgo(t.createdAt, now)}</td>
                    <td className="opt3">{online.has(t.id) && !t.revokedAt ? 'online now' : formatAgo(t.lastUsedAt, now)}</td>
                    <td>{t.revokedAt ? <span className="badge warn">revoked</span> : 'active'}</td>
                    <td>
                      <div className="row-actions nowrap">
                        <button
                          type="button"
                          className="btn"
                          disabled={gate.down}
                          {...gate.why}
                          onClick={() => setAsking({ action: 'rotate', id: t.id })}
                        >
                          Rotate
                        </button>
                        {t.revokedAt ? (
                          <button type="button" className="btn" disabled={gate.down} {...gate.why} onClick={() => setAsking({ action: 'delete', id: t.id })}>
                            Delete
                          </button>
                        ) : (
                          <button type="button" className="btn danger" disabled={gate.down} {...gate.why} onClick={() => setAsking({ action: 'revoke', id: t.id })}>
                            Revoke
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
                {rows.after > 0 && (
                  <tr aria-hidden="true" className="spacer" style={{ height: rows.after }}>
                    <td colSpan={5} />
                  </tr>
                )}
              </tbody>
            </table>
          )}
        </>
      )}
      {asking && <TokenConfirmDialog action={asking.action} id={asking.id} host={gate} onConfirm={() => runAsked(asking)} onCancel={() => setAsking(null)} />}
    </section>
  );
}
