import { useEffect, useRef, useState } from 'react';
import type { HelloResult, Settings } from '../../../../shared/api/contract';
import { SETTINGS_NUMBER_LIMITS, type SettingsNumberKey } from '../../../../shared/api/limits';
import { errorText } from '../../api/errors';
import { useHostGate } from '../../components/hostGate';
import { useApi, useApp } from '../../store/context';
import type { ThemeChoice } from '../../store/ui-slice';
import { BrowserAlertsCard } from './BrowserAlertsCard';
import { StorageCard } from './StorageCard';
import { UdpDropsCard } from './UdpDropsCard';

const FIELDS: { key: SettingsNumberKey; label: string; hint: string }[] = [
  { key: 'tcpPort', label: 'TCP port', hint: 'devices connect here (restart applies)' },
  { key: 'udpPort', label: 'UDP port', hint: '0 turns UDP off' },
  { key: 'tlsPort', label: 'TLS port', hint: 'used when TLS is on' },
  { key: 'maxPayload', label: 'Max payload (bytes)', hint: '64-65535' },
  { key: 'keepaliveSeconds', label: 'Keepalive (s)', hint: 'quiet sessions are pinged' },
  { key: 'rateLimitPerSecond', label: 'Rate limit (msgs/s per device)', hint: 'over it: RATE_LIMITED' },
  { key: 'broadcastLimitPerSecond', label: 'Broadcast limit (per s per device)', hint: 'each reaches every device; over it: RATE_LIMITED' },
  { key: 'connectionsPerAddress', label: 'Connections per address', hint: 'devices behind one NAT share it; loopback exempt' },
  { key: 'retentionDays', label: 'Traffic retention (days)', hint: 'older log rows are deleted' },
  { key: 'retentionMegabytes', label: 'Traffic retention (MB)', hint: 'cap on the log size' },
  { key: 'offlineGraceSeconds', label: 'Offline grace (s)', hint: 'offline this long before an alert' },
];

const PORT_KEYS = ['tcpPort', 'udpPort', 'tlsPort'] as const;

/** A number field's limits: the ones the host's schema is built from. */
export function fieldLimits(key: SettingsNumberKey): { min: number; max: number } {
  return SETTINGS_NUMBER_LIMITS[key];
}

/**
 * What is wrong with the text typed in a number field, in plain words, or null when it is fine.
 * (The schema would say "expected int, received number" or "Too big: expected number to be <=65535".)
 */
export function numberProblem(key: SettingsNumberKey, text: string): string | null {
  const { min, max } = fieldLimits(key);
  const num = (n: number) => (n > 99_999 ? n.toLocaleString('en-US') : String(n)); // 65535, 1,000,000
  const want = `a whole number between ${num(min)} and ${num(max)}`;
  const t = text.trim();
  if (t === '') return `is empty: enter ${want}`;
  if (!/^-?\d+$/.test(t)) return `must be ${want}`;
  const n = Number(t);
  return n < min || n > max ? `must be ${want}` : null;
}

/**
 * What a port field's saved value does not show: the port the host really listens on now, when
 * they differ (a headless host's flags win for that run; saved ports apply after a restart).
 */
export function livePortNote(key: SettingsNumberKey, saved: Settings, hello: HelloResult | null): string | null {
  if (!hello || !(PORT_KEYS as readonly string[]).includes(key)) return null;
  const now = hello[key as (typeof PORT_KEYS)[number]];
  const savedOn = key === 'tlsPort' ? saved.tlsEnabled : saved[key] !== 0;
  if (now === null) return savedOn ? (key === 'udpPort' && hello.mode === 'headless' ? 'off in this run: a headless host opens UDP only with --udp-port' : 'off in this run') : null;
  return now === saved[key] && savedOn ? null : `listening on ${now} in this run`;
}

export function SettingsView() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const theme = useApp((s) => s.theme);
  const hello = useApp((s) => s.hello);
  const setTheme = useApp((s) => s.setTheme);
  const singleKeys = useApp((s) => s.singleKeyShortcuts);
  const setSingleKeys = useApp((s) => s.setSingleKeyShortcuts);
  const [draft, setDraft] = useState<Settings | null>(null);
  // the number fields as typed (a field may be empty while retyped); parsed on save
  const [texts, setTexts] = useState<Partial<Record<SettingsNumberKey, string>>>({});
  // fields the user left (blur) show their problem; after a Save attempt, all of them do
  const [checked, setChecked] = useState<Set<SettingsNumberKey>>(new Set());
  const [saveTried, setSaveTried] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const gate = useHostGate();
  const loaded = draft !== null;
  // on mount, and again after the host comes back (a new hello) if it could not be read before;
  // a loaded draft is never replaced, it may hold the user's edits
  useEffect(() => {
    if (loaded) return;
    api.call('settings.get', {}).then(
      (s) => {
        setDraft(s);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [api, hello, loaded]);
  const textOf = (key: SettingsNumberKey) => texts[key] ?? (draft ? String(draft[key]) : '');
  // each shown under its own field, which it describes
  const problems = new Map(
    FIELDS.flatMap((f) => {
      const problem = numberProblem(f.key, textOf(f.key));
      return problem && (saveTried || checked.has(f.key)) ? [[f.key, `${f.label} ${problem}`] as const] : [];
    }),
  );
  const form = useRef<HTMLFormElement>(null);
  const save = async () => {
    if (!draft) return;
    setSaveTried(true);
    const wrong = FIELDS.find((f) => numberProblem(f.key, textOf(f.key)) !== null);
    if (wrong) {
      // Save may be a screen below the field: go to it (its message is read with it)
      form.current?.querySelector<HTMLInputElement>(`[data-field="${wrong.key}"]`)?.focus();
      return;
    }
    // the fields' checks are the schema's ranges; anything else the host's own check refuses, said below
    const next = { ...draft, ...Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, Number(v.trim())])) } as Settings;
    try {
      setDraft(await api.call('settings.save', { settings: next }));
      setTexts({});
      setChecked(new Set());
      setSaveTried(false);
      notify('info', 'Settings saved');
    } catch (err) {
      notify('error', `Saving settings failed: ${errorText(err)}`);
    }
  };
  const chooseTheme = (t: ThemeChoice) => {
    setTheme(t);
    if (draft) setDraft({ ...draft, theme: t });
    api.call('settings.save', { settings: { theme: t } }).catch(() => undefined); // the local choice applies either way
  };
  return (
    <section className="view settings-view" data-testid="settings-view">
      <div className="card">
        <h2>Appearance</h2>
        <div className="segmented" role="group" aria-label="Theme">
          {(['system', 'light', 'dark'] as ThemeChoice[]).map((t) => (
            <button key={t} type="button" className={theme === t ? 'active' : ''} aria-pressed={theme === t} onClick={() => chooseTheme(t)} data-testid={`theme-${t}`}>
              {t === 'system' ? 'Follow system' : t === 'light' ? 'Light' : 'Dark'}
            </button>
          ))}
        </div>
        <label className="field checkbox single-keys">
          <input type="checkbox" checked={singleKeys} onChange={(e) => setSingleKeys(e.target.checked)} data-testid="single-key-shortcuts" />
          <span>Single-key shortcuts: 1-6 switch views, / searches, p pauses the traffic in the Traffic view (Ctrl+K works either way)</span>
        </label>
      </div>
      <div className="card">
        <h2>Broker</h2>
        {error && <p className="error-text">Could not load settings: {error}</p>}
        {draft && (
          <form
            className="settings-grid"
            ref={form}
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <label className="field checkbox">
              <input type="checkbox" checked={draft.tlsEnabled} onChange={(e) => setDraft({ ...draft, tlsEnabled: e.target.checked })} />
              <span>TLS listener (self-signed certificate unless you provide one)</span>
            </label>
            <label className="field checkbox">
              <input type="checkbox" checked={draft.offlineAlerts} onChange={(e) => setDraft({ ...draft, offlineAlerts: e.target.checked })} data-testid="offline-alerts" />
              <span>Offline alerts: a warning when a device stays offline longer than the offline grace</span>
            </label>
            {FIELDS.map((f) => {
              const live = livePortNote(f.key, draft, hello);
              const problem = problems.get(f.key);
              return (
                <label key={f.key} className="field">
                  <span>{f.label}</span>
                  <input
                    type="text"
                    inputMode="numeric"
                    value={textOf(f.key)}
                    onChange={(e) => setTexts({ ...texts, [f.key]: e.target.value })}
                    onBlur={() => setChecked((c) => (c.has(f.key) ? c : new Set(c).add(f.key)))}
                    aria-label={f.label}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={problem ? `settings-problem-${f.key}` : undefined}
                    className={problem ? 'invalid' : undefined}
                    data-field={f.key}
                  />
                  {problem && (
                    <span className="error-text field-error" id={`settings-problem-${f.key}`} role="alert" data-testid={`settings-problem-${f.key}`}>
                      {problem}
                    </span>
                  )}
                  <span className="muted">
                    {f.hint}
                    {live && <strong data-testid={`live-${f.key}`}> · {live}</strong>}
                  </span>
                </label>
              );
            })}
            {/* a row of its own: a field's message never moves it */}
            <div className="settings-actions" data-testid="settings-actions">
              <button type="submit" className="btn primary" disabled={gate.down} {...gate.why}>
                Save settings
              </button>
              {gate.note}
            </div>
          </form>
        )}
      </div>
      <BrowserAlertsCard />
      <StorageCard />
      <UdpDropsCard />
    </section>
  );
}
