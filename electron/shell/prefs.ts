/** Desktop-only preferences (not part of the hub's settings): which native alerts the user wants. */
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file';

export interface ShellPrefs {
  /** Desktop notification when a device stays offline longer than the grace period. */
  notifyOffline: boolean;
  /** Desktop notification when a device's login is refused (off by default: it can be noisy). */
  notifyLoginFailures: boolean;
}

export const DEFAULT_PREFS: ShellPrefs = { notifyOffline: true, notifyLoginFailures: false };

export function prefsFile(userData: string): string {
  return join(userData, 'shell-prefs.json');
}

export function loadPrefs(file: string): ShellPrefs {
  const raw = readJsonFile(file);
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const flag = (key: keyof ShellPrefs): boolean => (typeof r[key] === 'boolean' ? (r[key] as boolean) : DEFAULT_PREFS[key]);
  return { notifyOffline: flag('notifyOffline'), notifyLoginFailures: flag('notifyLoginFailures') };
}

export function savePrefs(file: string, prefs: ShellPrefs): void {
  try {
    writeJsonFile(file, prefs);
  } catch (error) {
    console.error('[shell] could not save preferences:', error);
  }
}
