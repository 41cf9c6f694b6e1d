import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer: one bundle served by Electron (file://) and by the headless host (http).
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
});
