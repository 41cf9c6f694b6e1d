/**
 * Remembers the window's size, position and maximized state in a small JSON file in userData.
 * Anything odd in the file (corrupt, absurd sizes, off every screen) falls back to defaults.
 */
import { join } from 'node:path';
import type { Rectangle } from './electron-api';
import { readJsonFile, writeJsonFile } from './json-file';

export interface SavedBounds {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
}

const MAX_SIDE = 16_384;

export function boundsFile(userData: string): string {
  return join(userData, 'window-state.json');
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function intersects(a: Rectangle, b: Rectangle): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Parses saved bounds; drops the position when it no longer lies on any display. */
export function parseBounds(raw: unknown, displays: readonly Rectangle[], min: { width: number; height: number }): SavedBounds | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (!isInt(r.width, min.width, MAX_SIDE) || !isInt(r.height, min.height, MAX_SIDE)) return null;
  const out: SavedBounds = { width: r.width, height: r.height, maximized: r.maximized === true };
  if (isInt(r.x, -MAX_SIDE, MAX_SIDE) && isInt(r.y, -MAX_SIDE, MAX_SIDE)) {
    const rect = { x: r.x, y: r.y, width: r.width, height: r.height };
    if (displays.some((d) => intersects(rect, d))) {
      out.x = r.x;
      out.y = r.y;
    }
  }
  return out;
}

export function loadBounds(file: string, displays: readonly Rectangle[], min: { width: number; height: number }): SavedBounds | null {
  return parseBounds(readJsonFile(file), displays, min);
}

export function saveBounds(file: string, bounds: SavedBounds): void {
  writeJsonFile(file, bounds);
}

interface TrackedWindow {
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  isDestroyed(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** Saves the bounds shortly after the user stops moving/resizing, and at once on close. */
export function trackBounds(win: TrackedWindow, file: string, delayMs = 500): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    try {
      saveBounds(file, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
    } catch (error) {
      console.error('[shell] could not save window bounds:', error);
    }
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(save, delayMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(event, later);
  win.on('close', save);
  return save;
}
