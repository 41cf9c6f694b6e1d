/**
 * Run by `npm start` before the build. Electron (since 42) no longer downloads its binary at
 * `npm install`: the first launch does, and where that fails Electron throws a stack trace that
 * does not say why or what to do. So fetch it here, with a line saying so, and if that fails say
 * plainly what to do. (Native modules need no step: better-sqlite3 is a Node-API module, and the
 * prebuilt binary in its npm package loads in Node and Electron alike.)
 *   npx tsx electron/shell/check-electron.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const electronPackage = (root: string) => join(root, 'node_modules', 'electron');

/** Whether Electron's binary is there (path.txt names it, and it exists under dist/). */
export function hasElectronBinary(root: string): boolean {
  const pathFile = join(electronPackage(root), 'path.txt');
  return existsSync(pathFile) && existsSync(join(electronPackage(root), 'dist', readFileSync(pathFile, 'utf8').trim()));
}

export const NO_ELECTRON_BINARY = [
  "Electron's binary is not installed and could not be downloaded (node_modules/electron/dist is missing).",
  '  With internet access: npx install-electron, then npm start again.',
  '  Without it: npm run serve runs the same panel in your browser (npm run demo with simulated devices).',
].join('\n');

/**
 * Downloads Electron's binary when it is missing (Electron's own installer, node_modules/electron/
 * install.js). Returns null once the binary is there, else what to tell the user.
 */
export function ensureElectronBinary(root: string, log: (line: string) => void = console.log): string | null {
  if (hasElectronBinary(root)) return null;
  const installer = join(electronPackage(root), 'install.js');
  if (!existsSync(installer)) return NO_ELECTRON_BINARY;
  log("Downloading Electron's binary (once, about 100 MB)...");
  spawnSync(process.execPath, [installer], { cwd: electronPackage(root), stdio: 'inherit' });
  return hasElectronBinary(root) ? null : NO_ELECTRON_BINARY;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problem = ensureElectronBinary(fileURLToPath(new URL('../../', import.meta.url)));
  if (problem !== null) {
    console.error(problem);
    process.exit(1);
  }
}
