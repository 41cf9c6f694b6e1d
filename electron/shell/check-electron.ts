/**
 * Run by `npm start` before the build: `electron .` needs the binary Electron's installer downloads
 * at `npm install`. Without it Electron throws a stack trace that does not say why or what to do, so
 * say it plainly, first. (Native modules need no step here: better-sqlite3 is a Node-API module,
 * and the prebuilt binary in its npm package loads in Node and Electron alike.)
 *   npx tsx electron/shell/check-electron.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const missing = missingElectronBinary(fileURLToPath(new URL('../../', import.meta.url)));
  if (missing) {
    console.error(missing);
    process.exit(1);
  }
}
