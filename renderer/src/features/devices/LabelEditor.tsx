import { useRef, useState } from 'react';
import { errorText } from '../../api/errors';
import { useHostGate } from '../../components/hostGate';
import { useFocusReturn } from '../../components/useFocusReturn';
import { useApi, useApp } from '../../store/context';

export const MAX_LABEL = 64;

/** The user's own name for a device: Rename opens a field; Enter saves, Escape cancels, empty removes. */
export function LabelEditor({ id, label }: { id: string; label: string | null }) {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const gate = useHostGate();
  const form = useRef<HTMLFormElement>(null);
  // the field closes (saved, Escape, Cancel) with the focus in it: give it to Rename
  const { opener, returnFocus } = useFocusReturn<HTMLButtonElement>(draft === null);
  const close = () => {
    returnFocus(form.current?.contains(document.activeElement) ?? false);
    setDraft(null);
  };
  if (draft === null) {
    return (
      <button type="button" className="btn ghost" ref={opener} onClick={() => setDraft(label ?? '')} data-testid="label-edit" disabled={gate.down} {...gate.why}>
        {label ? 'Rename' : 'Add a name'}
      </button>
    );
  }
  const save = async () => {
    setBusy(true);
    try {
      await api.call('devices.label', { id, label: draft });
      notify('info', draft.trim() ? `${id} is now called "${draft.trim()}"` : `${id} has no name of yours any more`);
      close();
    } catch (err) {
      notify('error', `Renaming ${id} failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="inline"
      ref={form}
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) void save();
      }}
    >
      <input
        aria-label="Device name"
        placeholder={`a name for ${id}`}
        maxLength={MAX_LABEL}
        value={draft}
        autoFocus
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && close()}
      />
      {/* aria-disabled while saving, not disabled: a disabled button drops the focus it has */}
      <button type="submit" className="btn primary" aria-disabled={busy || undefined} disabled={gate.down} {...gate.why}>
        Save
      </button>
      <button type="button" className="btn" onClick={close}>
        Cancel
      </button>
    </form>
  );
}
