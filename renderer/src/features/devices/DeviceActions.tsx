import { useState } from 'react';
import type { Results } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { checkJsonObject } from '../../components/json-input';
import { JsonEditor } from '../../components/JsonEditor';
import { useHostGate } from '../../components/hostGate';
import { useFocusReturn } from '../../components/useFocusReturn';
import { useApi, useApp } from '../../store/context';
import { revokeNotice } from '../settings/token-notices';
import { TokenConfirmDialog } from '../settings/TokenConfirmDialog';
import { TokenReveal } from '../settings/TokenReveal';
import { ForgetDialog } from './ForgetDialog';

/** What a forget did, for its notice. */
export function forgetNotice(id: string, r: Results['devices.forget']): string {
  const session = r.closedSession ? '; its session was closed' : '';
  const d = r.deleted;
  const history = d ? `; deleted ${d.trafficRows.toLocaleString()} traffic rows, ${d.telemetryRows.toLocaleString()} telemetry minutes and ${d.metricsRows.toLocaleString()} metrics minutes` : '';
  return `${id} forgotten${session}${history}`;
}

/** What a redirect did, with the devices it could not move (the frame over their receive limit). */
export function redirectOutcome(r: Results['broker.redirect']): string {
  const skipped = r.skippedTooLarge ?? 0;
  return `Redirected ${r.redirected} session(s)` + (skipped > 0 ? `; ${skipped} not redirected: the REDIRECT is longer than the device's receive limit (its maxPayload); use a shorter host name` : '');
}

/** Send a command, redirect, revoke or rotate: the per-device actions. */
export function DeviceActions({ id, online }: { id: string; online: boolean }) {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const navigate = useApp((s) => s.navigate);
  const [payload, setPayload] = useState('{"cmd":"ping"}');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('8080');
  const [newToken, setNewToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmForget, setConfirmForget] = useState(false);
  const gate = useHostGate();

  const run = async (what: string, fn: () => Promise<string | void>) => {
    setBusy(true);
    try {
      const msg = await fn();
      if (msg) notify('info', msg);
    } catch (err) {
      notify('error', `${what} failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  /** The token action waiting for its dialog's answer. */
  const [asking, setAsking] = useState<'rotate' | 'revoke' | null>(null);
  const runAsked = (action: 'rotate' | 'revoke') => {
    setAsking(null);
    if (action === 'rotate')
      void run('Rotate', async () => {
        setNewToken((await api.call('tokens.rotate', { id })).token);
      });
    else void run('Revoke', async () => revokeNotice(id, await api.call('tokens.revoke', { id })));
  };
  // busy is aria-disabled, not disabled: a disabled button drops the keyboard focus to the page body
  const tokenAction = { type: 'button' as const, disabled: gate.down, 'aria-disabled': busy || undefined, ...gate.why };
  // "I saved it" takes the new token away (and itself): the focus goes to Rotate token, where it came from
  const { opener: rotateButton, returnFocus } = useFocusReturn<HTMLButtonElement>(newToken === null);
  const check = checkJsonObject(payload);
  return (
    <>
    {gate.note}
    <div className="actions-grid">
      <div className="card">
        <h3>Send a command</h3>
        <JsonEditor value={payload} onChange={setPayload} rows={4} testId="device-payload" />
        <button
          type="button"
          className="btn primary"
          disabled={!check.ok || !online || gate.down}
          aria-disabled={busy || undefined}
          {...gate.why}
          onClick={() => !busy && check.ok && void run('Send', async () => `Sent to ${id} (msg ${(await api.call('messages.send', { to: id, payload: check.value })).msgId})`)}
        >
          Send to {id}
        </button>
        {!online && <p className="muted">The device is offline; it can receive commands once it reconnects.</p>}
      </div>
      <div className="card">
        <h3>Redirect to another broker</h3>
        <div className="inline">
          <input aria-label="Redirect host" placeholder="host" value={host} onChange={(e) => setHost(e.target.value)} />
          <input aria-label="Redirect port" type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} />
          <button
            type="button"
            className="btn"
            disabled={!host || gate.down}
            aria-disabled={busy || undefined}
            {...gate.why}
            onClick={() => !busy && void run('Redirect', async () => redirectOutcome(await api.call('broker.redirect', { device: id, host, port: Number(port) })))}
          >
            Redirect
          </button>
        </div>
        <p className="muted">Legacy firmware cannot follow a redirect; the host skips those sessions.</p>
      </div>
      <div className="card">
        <h3>Token</h3>
        {newToken ? (
          <TokenReveal
            id={id}
            token={newToken}
            onDone={() => {
              returnFocus();
              setNewToken(null);
            }}
          />
        ) : (
          <div className="row-actions">
            <button
              {...tokenAction}
              ref={rotateButton}
              className="btn"
              onClick={() => !busy && setAsking('rotate')}
            >
              Rotate token
            </button>
            <button
              {...tokenAction}
              className="btn danger"
              onClick={() => !busy && setAsking('revoke')}
            >
              Revoke token
            </button>
            <button {...tokenAction} className="btn danger" onClick={() => !busy && setConfirmForget(true)}>
              Forget device
            </button>
          </div>
        )}
      </div>
    </div>
    {asking && <TokenConfirmDialog action={asking} id={id} host={gate} onConfirm={() => runAsked(asking)} onCancel={() => setAsking(null)} />}
    {confirmForget && (
      <ForgetDialog
        id={id}
        host={gate}
        onCancel={() => setConfirmForget(false)}
        onConfirm={(deleteHistory) => {
          setConfirmForget(false);
          void run('Forget', async () => {
            const r = await api.call('devices.forget', deleteHistory ? { id, deleteHistory } : { id });
            navigate('devices');
            return forgetNotice(id, r);
          });
        }}
      />
    )}
    </>
  );
}
