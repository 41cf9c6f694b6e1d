/**
 * The native load generator (bench/native/loadgen.cpp) behind the same verbs as a LoadWorker:
 * ready, start/mark, report, close. One child process holds every client of a run, receivers
 * first; see the C++ file for why it exists and its line protocol.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { nodeApiHeaders } from '../../electron/broker/native/node-api';
import { repoRoot } from '../lib/entry';
import { HISTOGRAM_BUCKETS } from '../lib/stats';
import type { SendMode, WorkerClient, WorkerReport } from './messages';

export const nativeLoadgenPath = (): string => path.join(repoRoot, 'dist', 'bench', 'loadgen');

const SOURCES = ['loadgen.cpp', 'devices.cpp'];
const HEADERS = ['devices.h', 'wire.h'];

const NATIVE_DIR = path.join(repoRoot, 'bench', 'native');
const CXX_FLAGS = ['-O2', '-std=c++17', '-Wall', '-Wextra', '-Werror'];

/** Compiles `sources` of bench/native into `out` with g++ when it is missing or older than them or `headers`. */
function compileWhenStale(out: string, sources: string[], headers: string[], flags: string[]): string {
  const newest = Math.max(...[...sources, ...headers].map((f) => statSync(path.join(NATIVE_DIR, f)).mtimeMs));
  if (!existsSync(out) || statSync(out).mtimeMs < newest) {
    execFileSync(process.env.CXX ?? 'g++', [...CXX_FLAGS, ...flags, '-o', out, ...sources.map((f) => path.join(NATIVE_DIR, f))], { stdio: 'inherit' });
  }
  return out;
}

/** Compiles the generator when missing or older than its sources (a few seconds with g++ -O2). */
export function buildNativeLoadgen(bin = nativeLoadgenPath()): string {
  return compileWhenStale(bin, SOURCES, HEADERS, []);
}

export { nodeApiHeaders };

export const forwarderAddonPath = (): string => path.join(repoRoot, 'dist', 'bench', 'forwarder.node');

/** Compiles the C++ forwarder addon (bench/native/forwarder.cpp) when missing or older than its sources. */
export function buildForwarderAddon(out = forwarderAddonPath()): string {
  return compileWhenStale(out, ['forwarder.cpp'], ['wire.h'], ['-shared', '-fPIC', '-pthread', `-I${nodeApiHeaders()}`]);
}

/** One config line per client; '-' stands for an absent field (ids and tokens have no spaces). */
export function clientLine(c: WorkerClient): string {
  const field = (s: string | undefined): string => {
    if (s !== undefined && /\s/.test(s)) throw new Error(`native loadgen: "${s}" contains whitespace`);
    return s === undefined || s === '' ? '-' : s;
  };
  return ['client', c.protocol, c.port, field(c.id), field(c.token), field(c.sendTo), field(c.subscribe), c.qos ?? 0, c.src ?? 0, c.fanout ?? 1].join(' ');
}

type Sparse = [number, number][];

/** Parses `report {json}` into the Node worker's report shape (sparse histograms -> buckets). */
export function parseReport(line: string): WorkerReport {
  const raw = JSON.parse(line.slice('report '.length)) as Omit<WorkerReport, 'type' | 'histogram' | 'socketHistogram'> & { histogram: Sparse; socketHistogram?: Sparse };
  const buckets = (sparse: Sparse): Uint32Array => {
    const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
    for (const [bucket, count] of sparse) histogram[bucket] = count;
    return histogram;
  };
  const { socketHistogram, ...rest } = raw;
  return { ...rest, type: 'report', histogram: buckets(raw.histogram), ...(socketHistogram ? { socketHistogram: buckets(socketHistogram) } : {}) };
}

export class NativeLoad {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;

  constructor(clients: WorkerClient[], mode: SendMode | null, bin = nativeLoadgenPath()) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run the bench with --generator=native (it builds it with g++)`);
    this.child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (this.waiter) this.waiter(line);
      else this.lines.push(line);
    });
    this.child.once('exit', () => this.waiter?.(null));
    // A generator that failed its handshake has exited: commands to it go nowhere, by design.
    this.child.stdin!.on('error', () => undefined);
    const modeLine = !mode ? [] : mode.kind === 'rate' ? [`rate ${mode.perSecond}`] : [`saturate ${mode.window} ${mode.batch}`];
    const config = [...clients.map(clientLine), ...modeLine, 'end'];
    this.child.stdin!.write(config.join('\n') + '\n');
  }

  private next(timeoutMs: number): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`native loadgen: no answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        this.waiter = null;
        if (line === null) reject(new Error(`native loadgen exited (${this.child.exitCode ?? this.child.signalCode})`));
        else resolve(line);
      };
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  async ready(timeoutMs = 60_000): Promise<void> {
    const line = await this.next(timeoutMs);
    if (!line.startsWith('ready ')) throw new Error(`native loadgen: ${line}`);
  }

  /** start or mark, as a LoadWorker takes them. */
  send(m: { type: 'start' | 'mark' }): void {
    this.child.stdin!.write(`${m.type}\n`);
  }

  async report(): Promise<WorkerReport> {
    this.child.stdin!.write('report\n');
    return parseReport(await this.next(10_000));
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.write('close\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}
