import { defineConfig } from 'vite';

// The preload runs in a sandboxed renderer, where require() knows only 'electron' (and a few
// polyfills): so it is ONE self-contained CommonJS file with everything but 'electron' bundled in.
export default defineConfig({
  publicDir: false,
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
