import { useCallback, useEffect, useState } from 'react';
import type { TokenInfo } from '../../../../shared/api/contract';
import { DeviceId } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { EmptyState } from '../../components/EmptyState';
import { formatAgo } from '../../components/format';
import { HostWaiting, useHostGate } from '../../components/hostGate';
import { useHostNow } from '../../components/useNow';
import { useApi, useApp } from '../../store/context';
import { TokenConfirmDialog, type TokenAction } from './TokenConfirmDialog';
import { revokeNotice } from './token-notices';
import { TokenReveal } from './TokenReveal';

export function TokensView() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const clearNotices = useApp((s) => s.clearNotices);
  // "last used" is as of the list's last load: it stops counting while the host is away
  const now = useHostNow(5000);
  const [tokens, setTokens] = useState<TokenInfo[]>([]);
  const [name, setName] = useState('');
  const gate = useHostGate();
  const [revealed, setRevealed] = useState<{ id: string; token: string } | null>(null);
  const reload = useCallback(() => {
    api.call('tokens.list', {}).then(
      (list) => {
        setTokens(list);
        clearNotices('tokens.load');
      },
      (err: unknown) => notify('error', `Could not load tokens: ${errorText(err)}`, { key: 'tokens.load' }),
    );
  }, [api, notify, clearNotices]);
  // again after the host comes back (a new hello): a list that failed to load loads now
  const hello = useApp((s) => s.hello);
  useEffect(reload, [reload, hello]);
  const idCheck = DeviceId.safeParse(name);
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
    <section className="view tokens-view" data-testid="tokens-view">
      <div className="card">
        <h2>Add a device</h2>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (!idCheck.success) return;
            void act(async () => {
              setRevealed(await api.call('tokens.create', { id: name }));
              setName('');
            }, 'Create');
          }}
        >
          <input aria-label="New device id" placeholder="device id, e.g. garage-relay" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn primary" disabled={!idCheck.success || gate.down} {...gate.why}>
            Create device
          </button>
        </form>
        {gate.note}
        {name && !idCheck.success && <p className="error-text">{idCheck.error.issues[0]?.message}</p>}
        {revealed && <TokenReveal id={revealed.id} token={revealed.token} onDone={() => setRevealed(null)} />}
      </div>
      {tokens.length === 0 && !hello ? (
        <HostWaiting view="tokens" what="The token list loads" />
      ) : tokens.length === 0 ? (
        <EmptyState title="No device tokens" testId="tokens-empty">
          Every device logs in with its own token. Create one above, paste the snippet into your sketch and flash it.
        </EmptyState>
      ) : (
        <table className="simple" data-testid="tokens-table">
          <thead>
            <tr>
              <th>Device</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-row-${t.id}`}>
                <td className="token-id">{t.id}</td>
                <td>{formatAgo(t.createdAt, now)}</td>
                <td>{formatAgo(t.lastUsedAt, now)}</td>
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
          </tbody>
        </table>
      )}
      {asking && <TokenConfirmDialog action={asking.action} id={asking.id} host={gate} onConfirm={() => runAsked(asking)} onCancel={() => setAsking(null)} />}
    </section>
  );
}
