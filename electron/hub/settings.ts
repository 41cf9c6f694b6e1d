import { Settings, defaultSettings } from '../../shared/api/contract';
import type { KeyValue } from './db';

/** Settings persisted as one JSON value; unknown or invalid stored fields fall back to defaults. */
export class SettingsStore {
  private value: Settings;
  private readonly listeners = new Set<(s: Settings, changed: (keyof Settings)[]) => void>();

  constructor(private readonly kv: KeyValue, overrides: Partial<Settings> = {}) {
    const stored = safeJson(kv.get('settings'));
    const merged: Record<string, unknown> = { ...defaultSettings };
    for (const [k, v] of Object.entries(stored)) {
      if (k in defaultSettings && Settings.shape[k as keyof Settings].safeParse(v).success) merged[k] = v;
    }
    this.value = Settings.parse({ ...merged, ...overrides });
  }

  get(): Settings {
    return { ...this.value };
  }

  save(patch: Partial<Settings>): Settings {
    const next = Settings.parse({ ...this.value, ...patch });
    const changed = (Object.keys(next) as (keyof Settings)[]).filter((k) => next[k] !== this.value[k]);
    this.kv.set('settings', JSON.stringify(next)); // first: a save that fails (a locked database) changes nothing
    this.value = next;
    for (const l of this.listeners) l(this.get(), changed);
    return this.get();
  }

  onChange(listener: (s: Settings, changed: (keyof Settings)[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function safeJson(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
