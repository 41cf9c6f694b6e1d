/**
 * Prepares .electron-native/: a copy of each native module rebuilt for the installed Electron
 * (@electron/rebuild: a prebuilt binary when one exists, else a compile against Electron's headers,
 * both downloaded, so this needs internet once). Skips the work when the stamp says it is current.
 * projectRootPath pins the rebuild to .electron-native/: without it @electron/rebuild walks up and
 * rebuilds the project's own node_modules copy too (which `npm test` needs built for Node).
 * Run by `npm start` before the build, so a missing Electron binary is said at once:
 *   npx tsx electron/shell/prepare-native.ts
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_DIR, NATIVE_MODULES } from './native-route';

const version = (root: string, pkg: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

export interface NativeStamp {
  electron: string;
  modules: Record<string, string>;
}

export function wantedStamp(root: string): NativeStamp {
  return { electron: version(root, 'electron'), modules: Object.fromEntries(NATIVE_MODULES.map((m) => [m, version(root, m)])) };
}

export function isCurrent(root: string): boolean {
  const dir = join(root, NATIVE_DIR);
  try {
    const stamp = readFileSync(join(dir, 'stamp.json'), 'utf8');
    return stamp === JSON.stringify(wantedStamp(root)) && NATIVE_MODULES.every((m) => existsSync(join(dir, 'node_modules', m, 'build', 'Release')));
  } catch {
    return false;
  }
}

/** Copies the modules' sources (not their Node build) into a fresh .electron-native/. */
export function stageNative(root: string): string {
  const dir = join(root, NATIVE_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  const stamp = wantedStamp(root);
  for (const m of NATIVE_MODULES) {
    const from = join(root, 'node_modules', m);
    cpSync(from, join(dir, 'node_modules', m), { recursive: true, filter: (src) => !src.startsWith(join(from, 'build') + sep) && src !== join(from, 'build') });
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hypertcp-electron-native', private: true, dependencies: stamp.modules }, null, 2));
  return dir;
}

/**
 * `electron .` needs the binary Electron's installer downloads at `npm install`. Without it
 * Electron throws a stack trace that does not say why or what to do: say it plainly, first.
 */
export function missingElectronBinary(root: string): string | null {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (existsSync(pathFile) && existsSync(join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim()))) return null;
  return [
    "Electron's binary is not installed (node_modules/electron/dist is missing: npm install ran with",
    'ELECTRON_SKIP_BINARY_DOWNLOAD=1, or could not reach the download).',
    '  With internet access: node node_modules/electron/install.js, then npm start again.',
    '  Without it: npm run serve runs the same panel in your browser (npm run demo with simulated devices).',
  ].join('\n');
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const missing = missingElectronBinary(root);
  if (missing) {
    console.error(missing);
    return 1;
  }
  if (isCurrent(root)) {
    console.log(`${NATIVE_DIR}/ is current for Electron ${wantedStamp(root).electron}`);
    return 0;
  }
  const dir = stageNative(root);
  const stamp = wantedStamp(root);
  console.log(`rebuilding ${NATIVE_MODULES.join(', ')} for Electron ${stamp.electron} in ${NATIVE_DIR}/ ...`);
  writeFileSync(join(dir, 'package-lock.json'), '{}'); // marks the project root for @electron/rebuild
  const { rebuild } = await import('@electron/rebuild');
  try {
    await rebuild({ buildPath: dir, projectRootPath: dir, electronVersion: stamp.electron, onlyModules: [...NATIVE_MODULES], force: true });
  } catch (error) {
    console.error(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error("it needs internet (Electron's headers or a prebuilt binary) and a C++ toolchain");
    return 1;
  }
  writeFileSync(join(dir, 'stamp.json'), JSON.stringify(stamp));
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) void main().then((code) => process.exit(code));
