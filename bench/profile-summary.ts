/**
 * Summarizes V8 .cpuprofile files (from BENCH_CPU_PROF=<dir> npm run bench -- ...): self time per
 * function, heaviest first. Usage: tsx bench/profile-summary.ts <file-or-dir> [top=30]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [target = '.', topArg = '30'] = process.argv.slice(2);
const files = statSync(target).isDirectory()
  ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f))
  : [target];
const self = new Map<string, number>();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${frame.url.replace(/^file:\/\/.*?\/(electron|shared|bench|node_modules)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
}
// Percentages are of busy time: what the broker's thread did when it was not waiting.
const busy = total - (self.get('(idle)') ?? 0);
self.delete('(idle)');
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg));
console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy`);
for (const [key, us] of top) console.log(`${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
