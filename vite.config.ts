import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer, served by Electron (file://) and by the headless host (http): the entry bundle and
// the charts' chunk (recharts, loaded at idle: renderer/src/components/deferred.tsx). Vite's default
// 500 kB warning stands guard over the entry.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
  },
});
