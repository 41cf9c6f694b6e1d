import { defineConfig } from 'vite';
import { methodNames } from './shared/api/contract';

// The preload runs in a sandboxed renderer, where require() knows only 'electron' (and a few
// polyfills): so it is ONE self-contained CommonJS file with everything but 'electron' bundled in.
export default defineConfig({
  publicDir: false,
  // The API's method names, inlined: the preload needs the list, not the zod schemas behind it.
  define: { __HYPERTCP_METHODS__: JSON.stringify(methodNames) },
  build: {
    outDir: 'dist/electron',
    emptyOutDir: false, // shared with the main bundle
    target: 'chrome142', // Electron 39's Chromium
    minify: true,
    sourcemap: false,
    lib: {
      entry: 'electron/shell/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: {
      external: ['electron'],
      output: { codeSplitting: false },
    },
  },
});
