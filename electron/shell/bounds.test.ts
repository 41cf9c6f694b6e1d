import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBounds, parseBounds, saveBounds, trackBounds } from './bounds';
import { createFakeElectron } from './fake-electron';

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
const min = { width: 800, height: 560 };

describe('window bounds', () => {
  it('keeps valid bounds and drops a position that is off every display', () => {
    expect(parseBounds({ x: 100, y: 50, width: 1000, height: 700, maximized: false }, screen, min)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: false });
    expect(parseBounds({ x: 5000, y: 50, width: 1000, height: 700, maximized: true }, screen, min)).toEqual({ width: 1000, height: 700, maximized: true });
  });

  it('rejects junk', () => {
    for (const raw of [null, 'x', [], { width: 10, height: 10 }, { width: 1e9, height: 700 }, { width: 900.5, height: 700 }, { width: '900', height: 700 }]) {
      expect(parseBounds(raw, screen, min)).toBeNull();
    }
  });

  it('round-trips through the file, and a corrupt file means defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bounds-'));
    const file = join(dir, 'nested', 'window-state.json');
    saveBounds(file, { x: 1, y: 2, width: 900, height: 600, maximized: false });
    expect(loadBounds(file, screen, min)).toEqual({ x: 1, y: 2, width: 900, height: 600, maximized: false });
    writeFileSync(file, '{"width": 9');
    expect(loadBounds(file, screen, min)).toBeNull();
    expect(loadBounds(join(dir, 'missing.json'), screen, min)).toBeNull();
  });

  it('saves after moves settle and at once on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bounds-'));
    const file = join(dir, 'window-state.json');
    const electron = createFakeElectron(dir);
    const win = new electron.BrowserWindow({ x: 10, y: 20, width: 1000, height: 700 }) as unknown as import('./fake-electron').FakeWindow;
    trackBounds(win, file, 20);
    win.bounds = { x: 30, y: 40, width: 1100, height: 750 };
    win.emit('move');
    win.emit('resize');
    await new Promise((r) => setTimeout(r, 60));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 30, y: 40, width: 1100, height: 750, maximized: false });
    win.bounds = { x: 0, y: 0, width: 900, height: 600 };
    win.maximized = true;
    win.emit('close');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 0, y: 0, width: 900, height: 600, maximized: true });
  });
});
