import { existsSync, renameSync } from 'node:fs';

/** The data folder's name before package.json had a productName (Electron used its "name"). */
export const OLD_DATA_FOLDER_NAME = 'hypertcp-panel';

export interface FolderFs {
  existsSync(path: string): boolean;
  renameSync(from: string, to: string): void;
}

/**
 * The folder the app keeps its data in. Electron names it after package.json's productName
 * ("HyperTCP Panel"); before there was one it used "name", so a folder under the old name is moved
 * to the new one, once, before anything (the single-instance lock) creates the new one. If it
 * cannot be moved (open elsewhere, permissions), the old folder stays in use: nothing is left behind.
 */
export function dataFolder(current: string, old: string, fs: FolderFs = { existsSync, renameSync }): string {
  if (fs.existsSync(current) || !fs.existsSync(old)) return current;
  try {
    fs.renameSync(old, current);
    return current;
  } catch {
    return old;
  }
}
