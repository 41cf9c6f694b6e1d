import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SavedCommand } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { checkJsonObject } from '../../components/json-input';
import { JsonEditor } from '../../components/JsonEditor';
import { HOST_CONNECTING_TEXT, useHostAnswered, useHostGate } from '../../components/hostGate';
import { useApi, useApp } from '../../store/context';
import { useDeviceLabels } from '../devices/useDeviceLabels';
import { BroadcastDialog } from './BroadcastDialog';
import { VariablesForm } from './VariablesForm';
import { CommandHistory } from './CommandHistory';
import { SavedCommands } from './SavedCommands';
import { builtinValues, checkTemplate, fillTemplate } from './template';
import { useCommandData } from './useCommandData';

/** In place of a list not loaded yet: why (the failure), or that it is on its way. */
function NotLoaded({ error, answered, testId }: { error: string | null; answered: boolean; testId: string }) {
  if (error === null) return <p className="muted">{answered ? 'Loading…' : HOST_CONNECTING_TEXT}</p>;
  return (
    <p className="muted" data-testid={testId}>
      Not loaded: {error}. {/^not connected/.test(error) ? 'It loads when the host is back.' : 'It is tried again after each action and on reconnect.'}
    </p>
  );
}

/** Why Broadcast is off for a template: the host sends a broadcast as written, with nothing filled in. */
const BROADCAST_VARS_TEXT = 'Broadcast sends the payload as written: it cannot fill {{variables}}. Send asks for their values.';

export function CommandsView() {
  const api = useApi();
  const ids = useApp((s) => s.deviceIds);
  const labels = useDeviceLabels(ids);
  const online = useApp(useShallow((s) => ids.map((id) => s.devices[id]?.online ?? false)));
  const notify = useApp((s) => s.notify);
  const [picked, setTarget] = useState('');
  const target = picked && ids.includes(picked) ? picked : (ids[0] ?? '');
  const targetOnline = online[ids.indexOf(target)] ?? false;
  const [text, setText] = useState('{"cmd":"ping"}');
  const [name, setName] = useState('');
  const [confirmBroadcast, setConfirmBroadcast] = useState(false);
  const [deleting, setDeleting] = useState<SavedCommand | null>(null);
  const { saved, history, loaded, error: loadError, reload } = useCommandData();
  const host = useHostGate();
  const answered = useHostAnswered();
  // a template's {{variables}} are filled before it is checked: the text is valid as it would be sent
  const tpl = checkTemplate(text, target);
  const { check } = tpl;
  const hasVars = tpl.vars.length > 0;
  // Send with own variables asks for their values here, in the composer (null: not asking)
  const [asking, setAsking] = useState<Record<string, string> | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const varsNoteId = useId();
  const editText = (t: string) => {
    setText(t);
    setAsking(null);
    setSendError(null);
  };

  const act = async (what: string, fn: () => Promise<string>) => {
    try {
      notify('info', await fn());
    } catch (err) {
      notify('error', `${what} failed: ${errorText(err)}`);
    }
    void reload();
  };
  /** Sends the composer's payload, its variables filled with `values` and the built-ins. */
  const sendFilled = (values: Record<string, string>) => {
    const filled = hasVars ? checkJsonObject(fillTemplate(text, { ...builtinValues(target), ...values })) : check;
    if (!filled.ok) return setSendError(`With these values: ${filled.error}`);
    setAsking(null);
    setSendError(null);
    void act('Send', async () => `Sent to ${target} (msg ${(await api.call('messages.send', { to: target, payload: filled.value })).msgId})`);
  };
  const send = () => {
    if (!check.ok) return;
    if (tpl.own.length > 0) return setAsking(Object.fromEntries(tpl.own.map((v) => [v, asking?.[v] ?? ''])));
    sendFilled({});
  };
  /** Runs a saved command; a value that breaks its JSON comes back, for its form to say (nothing is sent). */
  const runSaved = (cmd: SavedCommand, values: Record<string, string>): string | null => {
    if (Object.keys(values).length === 0) {
      void act(`${cmd.name}`, async () => `${cmd.name} sent to ${target}: ${(await api.call('saved.run', { id: cmd.id, to: target })).payload}`);
      return null;
    }
    const filled = checkJsonObject(fillTemplate(cmd.template, { ...builtinValues(target), ...values }));
    if (!filled.ok) return `With these values: ${filled.error}`;
    void act(cmd.name, async () => `${cmd.name} sent to ${target} (msg ${(await api.call('messages.send', { to: target, payload: filled.value })).msgId})`);
    return null;
  };

  return (
    <section className="view commands-view" data-testid="commands-view">
      <div className="card composer">
        <h2>Compose</h2>
        <label className="field">
          <span>Device</span>
          <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Target device">
            {ids.length === 0 && <option value="">{answered ? 'no devices yet' : HOST_CONNECTING_TEXT}</option>}
            {ids.map((id, i) => (
              <option key={id} value={id}>
                {labels[i]}
                {online[i] ? '' : ' (offline)'}
              </option>
            ))}
          </select>
        </label>
        <JsonEditor value={text} onChange={editText} testId="command-payload" check={check} okNote={tpl.note} />
        <div className="row-actions">
          <button type="button" className="btn primary" disabled={!check.ok || !target || !targetOnline || host.down} onClick={send} {...host.why}>
            Send to {target || '…'}
          </button>
          <button
            type="button"
            className="btn danger"
            disabled={!check.ok || hasVars || host.down}
            onClick={() => setConfirmBroadcast(true)}
            data-testid="broadcast-button"
            {...(host.down ? host.why : hasVars ? { title: BROADCAST_VARS_TEXT, 'aria-describedby': varsNoteId } : {})}
          >
            Broadcast…
          </button>
          <input aria-label="Saved command name" placeholder="name to save as" value={name} onChange={(e) => setName(e.target.value)} />
          <button
            type="button"
            className="btn"
            disabled={!name.trim() || !check.ok || host.down}
            {...host.why}
            onClick={() =>
              void act('Save', async () => {
                await api.call('saved.save', { name: name.trim(), scope: null, template: text });
                setName('');
                return `Saved "${name.trim()}"`;
              })
            }
          >
            Save
          </button>
        </div>
        {asking && (
          <VariablesForm
            className="vars-form"
            testId="send-vars"
            title="Values for the variables"
            values={asking}
            onChange={setAsking}
            error={sendError}
            errorTestId="send-vars-error"
            onSubmit={() => sendFilled(asking)}
            onCancel={() => (setAsking(null), setSendError(null))}
            submitLabel={`Send to ${target}`}
            submit={{ disabled: !target || !targetOnline || host.down, ...host.why }}
          />
        )}
        {hasVars && check.ok && !host.down && (
          <p className="muted" id={varsNoteId} data-testid={varsNoteId}>
            {BROADCAST_VARS_TEXT}
          </p>
        )}
        {host.note}
        {target && !targetOnline && (
          <p className="muted" data-testid="target-offline">
            {target} is offline; it can receive commands once it reconnects.
          </p>
        )}
      </div>
      <div className="card">
        <h2>Saved commands</h2>
        {/* not loaded is unknown, not empty: never "No saved commands yet" for lists that could not be read */}
        {!loaded ? (
          <NotLoaded error={loadError} answered={answered} testId="saved-not-loaded" />
        ) : (
          <SavedCommands
            saved={saved}
            target={target}
            host={host}
            onRun={runSaved}
            onLoad={(c) => {
              editText(c.template);
              setName(c.name);
            }}
            onDelete={setDeleting}
          />
        )}
      </div>
      <div className="card">
        <h2>History</h2>
        {/* before a load worked the history is unknown, not empty */}
        {!loaded ? (
          <NotLoaded error={loadError} answered={answered} testId="history-not-loaded" />
        ) : (
          <CommandHistory
            history={history}
            onReuse={(h) => {
              editText(h.payload);
              if (ids.includes(h.target)) setTarget(h.target);
            }}
          />
        )}
      </div>
      {deleting && (
        <ConfirmDialog
          title={`Delete saved command "${deleting.name}"?`}
          action="Delete"
          host={host}
          testId="saved-delete"
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const c = deleting;
            setDeleting(null);
            void act('Delete', async () => ((await api.call('saved.delete', { id: c.id })).deleted ? `Deleted "${c.name}"` : `"${c.name}" was already gone`));
          }}
        >
          <p>It leaves the saved commands; the history of what it sent stays.</p>
        </ConfirmDialog>
      )}
      {confirmBroadcast && check.ok && (
        <BroadcastDialog
          payload={text}
          host={host}
          onCancel={() => setConfirmBroadcast(false)}
          onConfirm={() => {
            setConfirmBroadcast(false);
            void act('Broadcast', async () => `Broadcast delivered to ${(await api.call('messages.broadcast', { payload: check.value })).recipients} device(s)`);
          }}
        />
      )}
    </section>
  );
}
