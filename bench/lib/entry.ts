/**
 * Where the bench's child processes and worker threads live: bundles in dist/bench built by
 * vite.bench.config.ts (`npm run bench` builds them first). Both this file (bench/lib) and the
 * bundles (dist/bench) sit two levels below the repository root.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type BenchEntry = 'broker-hypertcp' | 'broker-host' | 'broker-bare' | 'broker-native' | 'broker-aedes' | 'broker-ceiling-peer' | 'broker-udp' | 'load-worker' | 'udp-worker' | 'udp-link-child';

export function benchEntry(name: BenchEntry): string {
  const file = path.join(repoRoot, 'dist', 'bench', `${name}.mjs`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run the bench with \`npm run bench\` (it builds dist/bench first)`);
  return file;
}
