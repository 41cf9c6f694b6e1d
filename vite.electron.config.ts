import { defineConfig, type Plugin } from 'vite';
import { builtinModules } from 'node:module';
import { cpSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The Electron main process: one CommonJS bundle, dist/electron/main.cjs. Runtime dependencies
// (better-sqlite3 and other native modules, ws, zod...) stay external: electron-builder ships them in
// node_modules, rebuilt for Electron's ABI. The preload is built by vite.preload.config.ts.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
const dependencies = Object.keys(pkg.dependencies ?? {});
const external = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...dependencies,
].map((name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/.*)?$`));

/** The window and tray icons the main process loads at runtime, next to main.cjs. */
function copyRuntimeIcons(): Plugin {
  return {
    name: 'hypertcp-copy-runtime-icons',
    apply: 'build',
    writeBundle(options) {
      const outDir = options.dir ?? 'dist/electron';
      for (const file of ['icon.png', 'tray.png', 'tray@2x.png']) cpSync(fileURLToPath(new URL(`./build/runtime-icons/${file}`, import.meta.url)), `${outDir}/icons/${file}`);
    },
  };
}

export default defineConfig({
  publicDir: false,
  plugins: [copyRuntimeIcons()],
  build: {
    outDir: 'dist/electron',
    emptyOutDir: true, // runs first in build:electron; the preload build adds its file after
    target: 'node22', // Electron 39 ships Node 22
    minify: false,
    sourcemap: true,
    ssr: 'electron/shell/main.ts',
    rollupOptions: {
      external,
      output: { format: 'cjs', entryFileNames: 'main.cjs', chunkFileNames: '[name].cjs' },
    },
  },
});
