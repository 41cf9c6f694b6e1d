/** Desktop-only preferences (not part of the hub's settings): which native alerts the user wants. */
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file';

export interface ShellPrefs {
  /** Desktop notification when a device stays offline longer than the grace period. */
  notifyOffline: boolean;
}

export const DEFAULT_PREFS: ShellPrefs = { notifyOffline: true };

export function prefsFile(userData: string): string {
  return join(userData, 'shell-prefs.json');
}

export function loadPrefs(file: string): ShellPrefs {
  const raw = readJsonFile(file);
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return { notifyOffline: typeof r.notifyOffline === 'boolean' ? r.notifyOffline : DEFAULT_PREFS.notifyOffline };
}

export function savePrefs(file: string, prefs: ShellPrefs): void {
  try {
    writeJsonFile(file, prefs);
  } catch (error) {
    console.error('[shell] could not save preferences:', error);
  }
}
