/**
 * electron-builder.yml cannot be exercised here (packaging downloads Electron), so this checks it:
 * it passes electron-builder's own schema, names every target, ships the firmware, unpacks native
 * modules, and its `files` globs cover what `build:electron` produces (built into a temp dir here).
 */
import { describe, expect, it } from 'vitest';
import { createRequire, isBuiltin } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { build } from 'vite';
import { methodNames } from '../../shared/api/contract';
import { nativeWirePath } from '../broker/native/wire';
import { desktopNativeWire } from './native-wire';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; productName?: string; dependencies: Record<string, string>; scripts: Record<string, string> };

function targets(platform: { target: (string | { target: string })[] }): string[] {
  return platform.target.map((t) => (typeof t === 'string' ? t : t.target));
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration schema", async () => {
    const require = createRequire(join(root, 'package.json'));
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration: (c: unknown, l: unknown) => Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // ...and that schema does bite.
    await expect(validateConfiguration({ ...config, notAnOption: true }, new DebugLogger(false))).rejects.toThrow(/notAnOption/);
  });

  it('builds AppImage + deb, NSIS and dmg under one app id', () => {
    expect(config.appId).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
    expect(targets(config.linux).sort()).toEqual(['AppImage', 'deb']);
    expect(targets(config.win)).toEqual(['nsis']);
    expect(targets(config.mac)).toEqual(['dmg']);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/); // deb needs one
  });

  it("names the running app as the installer does: Electron reads productName from package.json, not from electron-builder.yml", () => {
    // Without it the app (its macOS menu, its data folder) was "hypertcp-panel", the package's name.
    expect(pkg.productName).toBe(config.productName);
  });

  it('has its icons', () => {
    expect(existsSync(join(root, config.icon))).toBe(true);
    const linuxIcons = readdirSync(join(root, config.linux.icon));
    for (const size of [16, 32, 48, 64, 128, 256, 512]) expect(linuxIcons).toContain(`${size}x${size}.png`);
    const png = readFileSync(join(root, config.icon));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // macOS wants >= 512 px
  });

  it('ships the firmware library and examples as resources, without build output', () => {
    const firmware = config.extraResources.find((r: { from: string }) => r.from === 'firmware');
    expect(firmware).toMatchObject({ from: 'firmware', to: 'firmware' });
    expect(firmware.filter).toContain('!build/**');
    expect(existsSync(join(root, 'firmware', 'src'))).toBe(true);
    expect(existsSync(join(root, 'firmware', 'examples'))).toBe(true);
  });

  it('ships the Node-API SQLite binary for the target platform only, outside the asar, with no rebuild', () => {
    expect(config.npmRebuild).toBe(false); // nothing to rebuild: check-electron.test.ts proves the binary is Node-API
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', expect.stringContaining('better-sqlite3')]));
    expect(pkg.dependencies['better-sqlite3']).toBeDefined(); // a runtime dependency, so it is packaged
    // Each platform's package leaves out the other platforms' binaries, never its own.
    // electron-builder's own matcher (app-builder-lib's minimatch, with its options), not a lookalike.
    const builderRequire = createRequire(createRequire(join(root, 'package.json')).resolve('app-builder-lib/package.json'));
    const { minimatch } = builderRequire('minimatch') as { minimatch: (path: string, glob: string, options: object) => boolean };
    const matchesGlob = (path: string, glob: string) => minimatch(path, glob, { dot: true });
    const prebuilds = readdirSync(join(root, 'node_modules', 'better-sqlite3', 'prebuilds')).filter((f) => f.endsWith('.node'));
    const platformOf = (f: string) => f.replace(/-[^-]+\.node$/, '').replace(/^linuxmusl$/, 'linux');
    for (const [key, platform] of [['linux', 'linux'], ['win', 'win32'], ['mac', 'darwin']] as const) {
      const excludes = ((config[key] as { files?: string[] }).files ?? []).map((g) => g.replace(/^!/, ''));
      const excluded = prebuilds.filter((f) => excludes.some((g) => matchesGlob(`node_modules/better-sqlite3/prebuilds/${f}`, g)));
      expect(excluded.sort(), key).toEqual(prebuilds.filter((f) => platformOf(f) !== platform).sort());
    }
  });

  it('sets every Electron fuse the app relies on, each to its hardened value', () => {
    // All of them, exactly: a fuse dropped or flipped (NODE_OPTIONS, asar integrity, cookie
    // encryption) fails here, as does a new one nobody reviewed (docs/DESKTOP.md lists what they do).
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // the page is served over app://panel: file:// pages get no fetch of other local files
      grantFileProtocolExtraPrivileges: false,
      // not a fuse: the macOS binary the flip edits is signed ad hoc again, else Apple Silicon
      // refuses to run an unsigned build (electron/fuses, "Apple Silicon")
      resetAdHocDarwinSignature: true,
    });
  });

  it("ships the native data path's addon in the Linux package, outside the asar, where the app looks for it", async (ctx) => {
    // `npm run dist` builds it before packaging (it says why and goes on when it cannot).
    expect(pkg.scripts.dist).toMatch(/^npm run build:native && .*electron-builder$/);
    // electron-builder's own resolution of extraResources for Linux (top level + linux.extraResources).
    const builderRequire = createRequire(createRequire(join(root, 'package.json')).resolve('app-builder-lib/package.json'));
    type Matcher = { from: string; to: string };
    const { getFileMatchers, copyFiles } = builderRequire('./out/fileMatcher') as {
      getFileMatchers: (config: object, name: string, destination: string, options: object) => Matcher[] | null;
      copyFiles: (matchers: Matcher[], transformer: null, hardLink: boolean) => Promise<unknown>;
    };
    const resources = mkdtempSync(join(tmpdir(), 'resources-'));
    const matchers = (platform: 'linux' | 'win' | 'mac') =>
      getFileMatchers(config, 'extraResources', resources, { macroExpander: (s: string) => s, customBuildOptions: config[platform], globalOutDir: join(root, 'release'), defaultSrc: root }) ?? [];
    const addon = matchers('linux').filter((m) => m.from === nativeWirePath());
    expect(addon.map((m) => m.to)).toEqual([desktopNativeWire({ isPackaged: true, resourcesPath: resources, env: {} })]);
    // Linux-only (epoll): the Windows and macOS packages do not carry it.
    for (const platform of ['win', 'mac'] as const) expect(matchers(platform).map((m) => m.from)).not.toContain(nativeWirePath());
    // ...and not inside app.asar, where it could not load.
    const { minimatch } = builderRequire('minimatch') as { minimatch: (path: string, glob: string, options: object) => boolean };
    const included = (config.files as string[]).filter((g) => !g.startsWith('!'));
    expect(included.filter((g) => minimatch('dist/native/wire.node', g, { dot: true }))).toEqual([]);
    expect(included.some((g) => minimatch('dist/electron/main.cjs', g, { dot: true }))).toBe(true); // the matcher does match
    // The copy electron-builder makes lands where the app loads it from.
    if (!existsSync(nativeWirePath())) {
      console.log(`skipped the copy: ${nativeWirePath()} is not built here (npm run build:native, Linux only)`);
      ctx.skip();
    }
    await copyFiles(addon, null, false);
    expect(readFileSync(addon[0]!.to).equals(readFileSync(nativeWirePath()))).toBe(true);
  });

  it("its files globs cover package.json main and the preload that build:electron writes", async () => {
    expect(pkg.main).toBe('dist/electron/main.cjs');
    expect(pkg.scripts['build:electron']).toContain('vite.electron.config.ts');
    expect(pkg.scripts['build:electron']).toContain('vite.preload.config.ts');
    // npm start: the Electron binary check, the build, then the app from package.json main.
    expect(pkg.scripts.start).toBe('tsx electron/shell/check-electron.ts && npm run build:native && npm run build && electron .');
    expect(pkg.scripts.dist).toBe('npm run build:native && npm run build && electron-builder');
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/electron/**/*', 'dist/renderer/**/*']));

    const out = mkdtempSync(join(tmpdir(), 'electron-build-'));
    for (const configFile of ['vite.electron.config.ts', 'vite.preload.config.ts']) {
      await build({ configFile: join(root, configFile), root, logLevel: 'silent', build: { outDir: out } });
    }
    const built = readdirSync(out);
    expect(built).toEqual(expect.arrayContaining(['main.cjs', 'core.cjs', 'preload.cjs', 'icons']));
    // The sandboxed preload can only require('electron'): everything else must be bundled in.
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    // ...and it carries the contract's method names, inlined at build time (no zod in the preload):
    // as string literals, or, once the list is long, one literal the minifier splits at commas.
    for (const method of methodNames) expect(preload).toMatch(new RegExp(`[\`'",]${method.replace('.', '\\.')}[\`'",]`));
    expect(preload.length).toBeLessThan(10_000);
    // The main bundle (main.cjs + its lazily loaded core chunk) leaves runtime dependencies
    // (native better-sqlite3 included) to node_modules, and needs nothing that is not packaged.
    const main = ['main.cjs', 'core.cjs'].map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    const required = new Set([...main.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]!).filter((n) => !n.startsWith('./')));
    expect(required.has('better-sqlite3')).toBe(true);
    for (const name of required) {
      // Node's own modules, also by their bare names (Vite's import.meta.url shim requires 'url').
      const allowed = name === 'electron' || isBuiltin(name) || Object.keys(pkg.dependencies).some((d) => name === d || name.startsWith(`${d}/`));
      expect(allowed, `main.cjs requires ${name}, which is not packaged`).toBe(true);
    }
  }, 60_000);

  it('the renderer the files list names exists after `npm run build:renderer`', (ctx) => {
    const index = join(root, 'dist', 'renderer', 'index.html');
    if (!existsSync(index)) {
      console.log('skipped: dist/renderer is not built yet (npm run build:renderer); the e2e step builds it');
      ctx.skip();
    }
    expect(readFileSync(index, 'utf8')).toContain('<div id="root">');
  });
});
