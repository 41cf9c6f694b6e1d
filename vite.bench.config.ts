import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';

// `npm run bench` runs every Node broker child and load-generator thread from these bundles
// (dist/bench/<name>.mjs), as the product runs: the Electron main process is a Vite bundle too.
// Under a TypeScript loader each cross-module call pays for an export getter (the envelope check
// took 300 ns instead of 185 ns per message), which is not what users run.
const entries = {
  'broker-hypertcp': 'bench/brokers/hypertcp.ts',
  'broker-host': 'bench/brokers/host.ts',
  'broker-bare': 'bench/brokers/bare.ts',
  'broker-native': 'bench/brokers/native.ts',
  'broker-aedes': 'bench/brokers/aedes.ts',
  'broker-ceiling-peer': 'bench/brokers/ceiling-peer.ts',
  'broker-udp': 'bench/brokers/udp.ts',
  'load-worker': 'bench/load/worker.ts',
  'udp-worker': 'bench/udp/udp-worker.ts',
  'udp-link-child': 'bench/udp/link-child.ts',
};

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/bench',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    ssr: true,
    rollupOptions: {
      input: entries,
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), /^aedes(\/.*)?$/],
      // Flat: bench/lib/entry.ts finds the repository two levels up from any of these files.
      output: { format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
    },
  },
});
