import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { missingElectronBinary } from './check-electron';

describe('npm start: what the desktop app needs besides npm install', () => {
  it('says plainly when the Electron binary was never downloaded, and not once it is there', () => {
    const project = mkdtempSync(join(tmpdir(), 'electron-bin-'));
    const pkg = join(project, 'node_modules', 'electron');
    mkdirSync(pkg, { recursive: true });
    expect(missingElectronBinary(project)).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD[\s\S]*install\.js[\s\S]*npm run serve/);
    writeFileSync(join(pkg, 'path.txt'), 'electron');
    expect(missingElectronBinary(project)).not.toBeNull(); // path.txt alone: the download did not finish
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'electron'), '');
    expect(missingElectronBinary(project)).toBeNull();
  });

  it('loads SQLite from a Node-API binary, which Electron loads unchanged (no rebuild for its ABI)', () => {
    // A module built against one Node ABI exports node_register_module_v<ABI> and would need a
    // rebuild for Electron's; a Node-API module exports napi_register_module_v1 and loads in both.
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
    const binary = readFileSync(join(pkgDir, 'prebuilds', `${process.platform}-${process.arch}.node`)).toString('latin1');
    expect(binary).toContain('napi_register_module_v1');
    expect(binary).not.toMatch(/node_register_module_v\d+/);
    const Database = require('better-sqlite3') as typeof import('better-sqlite3');
    expect(new Database(':memory:').prepare('select 6 * 7 as answer').get()).toEqual({ answer: 42 });
  });
});
