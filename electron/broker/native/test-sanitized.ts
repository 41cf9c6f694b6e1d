/**
 * `npm run test:native-sanitized`: the broker's tests on the native data path built with
 * AddressSanitizer and UndefinedBehaviorSanitizer (dist/native-sanitized/wire.node), so a memory
 * error or undefined behaviour in the C++ fails the run. Node itself is not built with them, so
 * their runtimes are preloaded (LD_PRELOAD) into every test process. Skips, saying why, where that
 * cannot be done (not Linux, no compiler or sanitizer runtime).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNativeWire } from './build-native';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = path.join(root, 'dist', 'native-sanitized', 'wire.node');
const FLAGS = ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'];
const TESTS = ['electron/broker', 'electron/core.test.ts'];

/** The sanitizer runtime's real file (the compiler's libasan.so is a link), or null. */
function runtime(name: string): string | null {
  try {
    const found = execFileSync(process.env.CXX ?? 'g++', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
    return path.isAbsolute(found) && existsSync(found) ? realpathSync(found) : null;
  } catch {
    return null;
  }
}

function main(): number {
  if (process.platform !== 'linux') return skip(`the native data path is Linux-only (this is ${process.platform})`);
  const preload = ['libasan.so', 'libubsan.so'].map(runtime);
  if (preload.includes(null)) return skip(`no sanitizer runtime from ${process.env.CXX ?? 'g++'} -print-file-name (libasan, libubsan)`);
  const built = buildNativeWire(OUT, FLAGS);
  if (built.file === null) return skip(built.reason);
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'default', ...TESTS], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      HYPERTCP_NATIVE_WIRE: built.file,
      LD_PRELOAD: preload.join(' '),
      // Node's own allocations at exit are not ours to chase; any error report ends the process.
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1',
      UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    },
  });
  return run.status ?? 1;
}

function skip(reason: string): number {
  console.log(`sanitized native tests skipped: ${reason}`);
  return 0;
}

process.exitCode = main();
