import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureElectronBinary, hasElectronBinary, NO_ELECTRON_BINARY } from './check-electron';

/** A project whose node_modules/electron has the given installer script (Electron's install.js). */
function project(installer?: string): { root: string; pkg: string } {
  const root = mkdtempSync(join(tmpdir(), 'electron-bin-'));
  const pkg = join(root, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  if (installer !== undefined) writeFileSync(join(pkg, 'install.js'), installer);
  return { root, pkg };
}

// What Electron's installer leaves once it has downloaded: path.txt, and the binary it names.
const INSTALLS = `const fs = require('fs'); fs.mkdirSync('dist'); fs.writeFileSync('dist/electron', ''); fs.writeFileSync('path.txt', 'electron');`;

describe('npm start: what the desktop app needs besides npm install', () => {
  it('knows the binary is there only when path.txt and the file it names both are', () => {
    const { root, pkg } = project();
    expect(hasElectronBinary(root)).toBe(false);
    writeFileSync(join(pkg, 'path.txt'), 'electron');
    expect(hasElectronBinary(root)).toBe(false); // path.txt alone: the download did not finish
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'electron'), '');
    expect(hasElectronBinary(root)).toBe(true);
  });

  it("runs Electron's installer when the binary is missing, saying so, and not when it is there", () => {
    const { root } = project(INSTALLS);
    const said: string[] = [];
    expect(ensureElectronBinary(root, (l) => said.push(l))).toBeNull();
    expect(said).toEqual([expect.stringMatching(/Downloading Electron/)]);
    expect(hasElectronBinary(root)).toBe(true);
    expect(ensureElectronBinary(root, (l) => said.push(l))).toBeNull();
    expect(said).toHaveLength(1); // no second download
  });

  it('says plainly what to do when the download fails (no internet)', () => {
    const { root } = project(`process.exit(1)`);
    expect(ensureElectronBinary(root, () => {})).toBe(NO_ELECTRON_BINARY);
    expect(NO_ELECTRON_BINARY).toMatch(/npx install-electron[\s\S]*npm run serve/);
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
