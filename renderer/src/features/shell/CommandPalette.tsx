import { useEffect, useId, useMemo, useRef, useState } from 'react';
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
  // the option Up/Down/Home/End move and Enter runs; back to the first when the text changes
  const [activeIndex, setActive] = useState(0);
  const active = hits.length === 0 ? -1 : Math.min(activeIndex, hits.length - 1);
  const listId = useId();
  const optionId = (i: number) => `${listId}-opt-${i}`;
  // keep the active option in sight when Up/Down/End move past the visible part of the list
  useEffect(() => {
    if (active >= 0) document.getElementById(`${listId}-opt-${active}`)?.scrollIntoView?.({ block: 'nearest' });
  }, [active, listId]);
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
          onChange={(e) => {
            setQ(e.target.value);
            setActive(0);
          }}
          placeholder="Type a command or a device…"
          aria-label="Command"
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={active >= 0 ? optionId(active) : undefined}
          onKeyDown={(e) => {
            const last = hits.length - 1;
            const move = { ArrowDown: active >= last ? 0 : active + 1, ArrowUp: active <= 0 ? last : active - 1, Home: 0, End: last }[e.key];
            if (move !== undefined && last >= 0) {
              e.preventDefault();
              setActive(move);
            } else if (e.key === 'Enter' && hits[active]) {
              e.preventDefault();
              run(hits[active]);
            }
          }}
        />
        <ul role="listbox" id={listId} aria-label="Commands">
          {hits.map((a, i) => (
            <li key={a.label} role="none">
              {/* an option, not a Tab stop: the input keeps the focus and points at it (aria-activedescendant) */}
              <button
                type="button"
                role="option"
                id={optionId(i)}
                aria-selected={i === active}
                tabIndex={-1}
                className={i === active ? 'active' : undefined}
                onClick={() => run(a)}
                onMouseMove={() => i !== active && setActive(i)}
              >
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
