import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_DIR, routeNativeModules } from './native-route';
import { isCurrent, missingElectronBinary, stageNative, wantedStamp } from './prepare-native';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('native modules for development runs', () => {
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

  it('routes better-sqlite3 (and its subpaths) to .electron-native once prepared, nothing else', () => {
    const project = mkdtempSync(join(tmpdir(), 'native-'));
    const seen: string[] = [];
    const host: { _resolveFilename: (request: string, parent: unknown) => string } = { _resolveFilename: (request) => (seen.push(request), request) };
    expect(routeNativeModules(project, host)).toBe(false);
    host._resolveFilename('better-sqlite3', null);
    mkdirSync(join(project, NATIVE_DIR, 'node_modules', 'better-sqlite3'), { recursive: true });
    writeFileSync(join(project, NATIVE_DIR, 'node_modules', 'better-sqlite3', 'package.json'), '{}');
    expect(routeNativeModules(project, host)).toBe(true);
    host._resolveFilename('better-sqlite3', null);
    host._resolveFilename('better-sqlite3/lib/util', null);
    host._resolveFilename('better-sqlite3-helper', null);
    host._resolveFilename('zod', null);
    const dir = join(project, NATIVE_DIR, 'node_modules');
    expect(seen).toEqual(['better-sqlite3', join(dir, 'better-sqlite3'), join(dir, 'better-sqlite3/lib/util'), 'better-sqlite3-helper', 'zod']);
  });

  it('stages the module sources without the Node build, and is not current until rebuilt', () => {
    const project = mkdtempSync(join(tmpdir(), 'native-stage-'));
    symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
    const dir = stageNative(project);
    expect(existsSync(join(dir, 'node_modules', 'better-sqlite3', 'package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'better-sqlite3', 'build'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies).toEqual(wantedStamp(project).modules);
    expect(isCurrent(project)).toBe(false);
    writeFileSync(join(dir, 'stamp.json'), JSON.stringify(wantedStamp(project)));
    mkdirSync(join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
    expect(isCurrent(project)).toBe(true);
  });
});
