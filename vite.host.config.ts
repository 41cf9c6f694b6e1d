import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';

// The headless host (`npm run serve`): one ESM bundle, dist/host/cli.mjs, run by plain Node, like
// the desktop app's main process is a bundle (a TypeScript loader at run time costs the broker's
// hot path an export getter per cross-module call). Dependencies stay in node_modules.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies ?? {})].map(
  (name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/.*)?$`),
);

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/host', // two levels below the root, like electron/host: config.ts finds the root from here too
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    ssr: 'electron/host/cli.ts',
    rollupOptions: { external, output: { format: 'esm', entryFileNames: 'cli.mjs', chunkFileNames: '[name]-[hash].mjs' } },
  },
});
