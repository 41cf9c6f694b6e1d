import { useState } from 'react';
import type { SavedCommand } from '../../../../shared/api/contract';
import { HOST_CONNECTING_TEXT, useHostAnswered, type HostGate } from '../../components/hostGate';
import { userVars } from './template';
import { VariablesForm } from './VariablesForm';

/** One-click buttons for saved commands; commands with own variables ask for their values first. */
export function SavedCommands({ saved, target, host, onRun, onLoad, onDelete }: { saved: SavedCommand[]; target: string; host: HostGate; onRun: (cmd: SavedCommand, values: Record<string, string>) => string | null | void; onLoad: (cmd: SavedCommand) => void; onDelete: (cmd: SavedCommand) => void }) {
  const [asking, setAsking] = useState<SavedCommand | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  // a value that breaks the command's JSON: said in its form (an input hint, not a toast)
  const [problem, setProblem] = useState<string | null>(null);
  const applicable = saved.filter((c) => c.scope === null || c.scope === target || c.scope.startsWith('kind:'));
  const answered = useHostAnswered();
  // before the host answered the list is unknown, not empty
  if (saved.length === 0 && !answered) return <p className="muted">{HOST_CONNECTING_TEXT}</p>;
  if (saved.length === 0) {
    return <p className="muted">No saved commands yet. Write a payload above, give it a name and press Save. Use {'{{device}}'}, {'{{ts}}'}, {'{{uuid}}'} or your own {'{{name}}'} variables.</p>;
  }
  return (
    <div className="saved" data-testid="saved-commands">
      {applicable.map((c) => (
        <div key={c.id} className="saved-item">
          <button
            type="button"
            className="btn primary"
            disabled={!target || host.down}
            {...host.why}
            title={host.down ? host.why.title : c.template}
            data-testid={`run-saved-${c.name}`}
            onClick={() => {
              const vars = userVars(c.template);
              if (vars.length === 0) return onRun(c, {});
              setValues(Object.fromEntries(vars.map((v) => [v, ''])));
              setProblem(null);
              setAsking(c);
            }}
          >
            ▶ {c.name}
          </button>
          <button type="button" className="btn ghost" onClick={() => onLoad(c)} title="Edit in the composer" aria-label={`Edit ${c.name}`}>
            edit
          </button>
          <button type="button" className="btn ghost" onClick={() => onDelete(c)} aria-label={`Delete ${c.name}`} disabled={host.down} {...host.why}>
            ✕
          </button>
        </div>
      ))}
      {asking && (
        <VariablesForm
          className="card vars-form"
          title={`Values for ${asking.name}`}
          values={values}
          onChange={setValues}
          error={problem}
          errorTestId="saved-vars-error"
          onSubmit={() => {
            const error = onRun(asking, values);
            if (error) return setProblem(error);
            setAsking(null);
          }}
          onCancel={() => setAsking(null)}
          submitLabel={`Send to ${target}`}
          submit={{ disabled: host.down, ...host.why }}
        />
      )}
    </div>
  );
}
