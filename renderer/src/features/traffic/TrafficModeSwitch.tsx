export type TrafficMode = 'log' | 'conversations';

const MODES: { mode: TrafficMode; label: string }[] = [
  { mode: 'log', label: 'Log' },
  { mode: 'conversations', label: 'Conversations' },
];

/** Log or Conversations: two buttons (Tab and Enter/Space), the pressed one is the view shown. */
export function TrafficModeSwitch({ mode, onChange }: { mode: TrafficMode; onChange: (m: TrafficMode) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Traffic view">
      {MODES.map((m) => (
        <button key={m.mode} type="button" className={mode === m.mode ? 'active' : ''} aria-pressed={mode === m.mode} onClick={() => onChange(m.mode)} data-testid={`traffic-mode-${m.mode}`}>
          {m.label}
        </button>
      ))}
    </div>
  );
}
