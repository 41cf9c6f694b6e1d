import { useMemo, useRef, useState } from 'react';
import { useModalFocus } from '../../components/useModalFocus';
import { useAppStore, useApp } from '../../store/context';
import { useDeviceLabels } from '../devices/useDeviceLabels';
import { NAV } from './nav';

interface Action {
  label: string;
  hint?: string;
  run(): void;
}

const MAX_ACTIONS = 30;

/** Ctrl/Cmd+K: jump to a view or a device, pause traffic, switch theme. */
export function CommandPalette() {
  const open = useApp((s) => s.paletteOpen);
  // mounted only while open: its device list (with labels) is not rebuilt on every batch otherwise
  return open ? <PaletteDialog /> : null;
}

function PaletteDialog() {
  const store = useAppStore();
  const ids = useApp((s) => s.deviceIds);
  const names = useDeviceLabels(ids);
  const [q, setQ] = useState('');
  const actions = useMemo<Action[]>(() => {
    const s = store.getState;
    const list: Action[] = [
      ...NAV.map((n) => ({ label: `Go to ${n.label}`, hint: n.key, run: () => s().navigate(n.view) })),
      { label: 'Pause / resume traffic', hint: 'p', run: () => s().setPaused(!s().paused) },
      { label: 'Search', hint: '/', run: () => s().requestSearchFocus() },
      { label: 'Theme: light', run: () => s().setTheme('light') },
      { label: 'Theme: dark', run: () => s().setTheme('dark') },
      { label: 'Theme: follow system', run: () => s().setTheme('system') },
    ];
    ids.forEach((id, i) => list.push({ label: `Open device ${names[i]}`, run: () => s().navigate('device', id) }));
    return list;
  }, [store, ids, names]);
  const needle = q.trim().toLowerCase();
  const hits = actions.filter((a) => a.label.toLowerCase().includes(needle)).slice(0, MAX_ACTIONS);
  const close = () => store.getState().setPaletteOpen(false); // unmounting drops the typed text
  const run = (a: Action) => {
    close();
    a.run();
  };
  // Tab stays in the palette, Escape closes it, the focus goes back where it was (unless an action moved it)
  const dialog = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const onKeyDown = useModalFocus(dialog, close, input);
  return (
    <div className="modal-backdrop" onClick={close}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Command palette" onClick={(e) => e.stopPropagation()} ref={dialog} onKeyDown={onKeyDown}>
        <input
          ref={input}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="Type a command or a device…"
          aria-label="Command"
          onKeyDown={(e) => {
            if (e.key === 'Enter' && hits[0]) run(hits[0]);
          }}
        />
        <ul>
          {hits.map((a) => (
            <li key={a.label}>
              <button type="button" onClick={() => run(a)}>
                {a.label}
                {a.hint && <kbd>{a.hint}</kbd>}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
