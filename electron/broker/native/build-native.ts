/**
 * Builds the native data path addon (wire.cpp and its parts, with the firmware's JSON scanner)
 * into dist/native/wire.node with g++ against the running Node's Node-API headers, when missing
 * or older than its sources. `tsx electron/broker/native/build-native.ts` builds it; tests call
 * buildNativeWire() and skip with its reason when it cannot.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeApiHeaders } from './node-api';
import { nativeWirePath } from './wire';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const here = path.join(root, 'electron', 'broker', 'native');
const SOURCES = [...['wire.cpp', 'loop.cpp', 'fast-envelope.cpp'].map((f) => path.join(here, f)), path.join(root, 'firmware', 'src', 'hypertcp', 'JsonScan.cpp')];
const HEADERS = [...['loop.h', 'batch.h', 'fast-envelope.h'].map((f) => path.join(here, f)), ...['JsonScan.h', 'Config.h', 'Flash.h'].map((f) => path.join(root, 'firmware', 'src', 'hypertcp', f))];

export type NativeBuild = { file: string; reason: null } | { file: null; reason: string };

/** Compiles the addon if needed (`extraFlags`: e.g. sanitizers, into another `out`); never throws: says why when it cannot. */
export function buildNativeWire(out = nativeWirePath(), extraFlags: string[] = []): NativeBuild {
  if (process.platform !== 'linux') return { file: null, reason: `the native data path is Linux-only (this is ${process.platform})` };
  const compiler = process.env.CXX ?? 'g++';
  try {
    const newest = Math.max(...[...SOURCES, ...HEADERS].map((f) => statSync(f).mtimeMs));
    if (existsSync(out) && statSync(out).mtimeMs >= newest) return { file: out, reason: null };
    const flags = ['-O2', '-std=c++17', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-pthread', `-I${nodeApiHeaders()}`, ...extraFlags];
    mkdirSync(path.dirname(out), { recursive: true });
    execFileSync(compiler, [...flags, '-o', out, ...SOURCES], { stdio: ['ignore', 'inherit', 'pipe'] });
    return { file: out, reason: null };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { file: null, reason: `cannot build the native wire with ${compiler}: ${stderr || (err instanceof Error ? err.message : String(err))}` };
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const built = buildNativeWire();
  console.log(built.file ? `native data path: ${built.file}` : `native data path not built, the broker uses its JS path: ${built.reason}`);
}
