/**
 * Starts each broker under test in its own child process, so its CPU and RSS are its own and it
 * never shares an event loop with the load generator.
 */
import { fork, spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { benchEntry, repoRoot, type BenchEntry } from '../lib/entry';
import { buildForwarderAddon, forwarderAddonPath } from '../load/native';
import type { FromBroker, ToBroker } from './child-ipc';

export type BrokerKind = 'hypertcp' | 'host' | 'aedes' | 'mosquitto' | 'mosquitto-qos1' | 'bare' | 'native';
export const BROKER_LABELS: Record<BrokerKind, string> = {
  hypertcp: 'HyperTCP (ours)',
  host: 'HyperTCP host (ours, with hub and SQLite)',
  mosquitto: 'Mosquitto',
  'mosquitto-qos1': 'Mosquitto QoS 1',
  aedes: 'Aedes',
  bare: 'bare Node forwarder',
  native: 'C++ forwarder in a Node process',
};

export interface BrokerHandle {
  kind: BrokerKind;
  protocol: 'hypertcp' | 'mqtt';
  /** MQTT clients publish and subscribe with this QoS (1: PUBACK both ways). */
  qos: 0 | 1;
  pid: number;
  port: number;
  /** Device tokens for HyperTCP brokers (ids -> token); MQTT brokers need none. */
  tokens(ids: string[]): Promise<Record<string, string>>;
  /** Asks a Node broker to collect garbage before a memory sample (no-op for Mosquitto). */
  gc(): Promise<void>;
  /** Our broker: messages to "server" and their latency since the last reset (null elsewhere). */
  serverLatency(reset: boolean): Promise<{ received: number; histogram: Uint32Array } | null>;
  /** Why the broker process died on its own, or null while it runs (or was stopped by us). */
  crashed(): string | null;
  stop(): Promise<void>;
}


export function mosquittoPath(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

let forwarderWhy: string | null | undefined;
function forwarderUnavailable(): string | null {
  if (process.platform !== 'linux') return `skipped: the C++ forwarder uses Linux's epoll (this is ${process.platform})`;
  try {
    buildForwarderAddon();
    return null;
  } catch (e) {
    return `skipped: the C++ forwarder did not build (${e instanceof Error ? e.message.split('\n')[0] : e})`;
  }
}

/** Why a broker cannot run here, or null when it can (the C++ forwarder is compiled on first ask). */
export function unavailable(kind: BrokerKind): string | null {
  if (kind === 'native') return (forwarderWhy ??= forwarderUnavailable());
  return kind.startsWith('mosquitto') && !mosquittoPath() ? 'skipped: not installed (apt-get install -y mosquitto)' : null;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited(child);
  clearTimeout(timer);
}

/**
 * BENCH_CPU_PROF=<dir> profiles our broker child and the whole host's (node --cpu-prof; see
 * bench/profile-summary.ts).
 * BENCH_HYPERTCP_FLAGS="--flag ..." adds Node/V8 flags to those two children only (experiments).
 * BENCH_NODE=<path to node> runs every Node broker child (ours, Aedes, the bare forwarder) on that
 * Node instead of the bench's own, e.g. the Node version the desktop app's Electron ships.
 */
function profileFlags(kind: BrokerKind): string[] {
  if (kind !== 'hypertcp' && kind !== 'host') return [];
  const dir = process.env.BENCH_CPU_PROF;
  const extra = (process.env.BENCH_HYPERTCP_FLAGS ?? '').split(' ').filter(Boolean);
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : []), ...extra];
}

/** Keeps the last few KB a child wrote to stderr, to explain a crash in the results. */
function tailOf(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  });
  return () => tail;
}

function crashWatch(child: ChildProcess, stderr: () => string): { stopping: () => void; crash: () => string | null } {
  let stopping = false;
  let crash: string | null = null;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const firstError = /^\s*(\w*Error[^\n]*)/m.exec(stderr())?.[1];
    crash = `crashed (${signal ?? `exit ${code}`}${firstError ? `: ${firstError.trim()}` : ''})`;
  });
  return { stopping: () => void (stopping = true), crash: () => crash };
}

function startNodeChild(kind: BrokerKind, script: BenchEntry, args: string[], protocol: 'hypertcp' | 'mqtt', issuesTokens: boolean): Promise<BrokerHandle> {
  const child = fork(benchEntry(script), args, {
    cwd: repoRoot,
    execPath: process.env.BENCH_NODE || process.execPath,
    execArgv: ['--expose-gc', ...profileFlags(kind)],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const stderr = tailOf(child);
  const watch = crashWatch(child, stderr);
  const request = <T extends FromBroker['type']>(m: ToBroker, reply: T): Promise<Extract<FromBroker, { type: T }>> =>
    new Promise((resolve, reject) => {
      const on = (r: FromBroker): void => {
        if (r.type !== reply) return;
        child.off('message', on);
        resolve(r as Extract<FromBroker, { type: T }>);
      };
      if (!child.connected) return reject(new Error(`${kind}: ${watch.crash() ?? 'gone'}`));
      child.on('message', on);
      child.send(m);
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} broker did not start in 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${kind} broker exited with ${code} before ready: ${stderr().slice(-500)}`)));
    child.on('message', (m: FromBroker) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve({
        kind,
        protocol,
        qos: 0,
        pid: child.pid!,
        port: m.port,
        tokens: async (ids) => (issuesTokens ? (await request({ type: 'tokens', ids }, 'tokens')).tokens : {}),
        gc: async () => void (await request({ type: 'gc' }, 'gc-done')),
        serverLatency: async (reset) => (kind === 'hypertcp' ? await request({ type: 'server-latency', reset }, 'server-latency') : null),
        crashed: watch.crash,
        stop: () => (watch.stopping(), stopChild(child)),
      });
    });
  });
}

/** A handshake-only peer that discards (send ceiling) or floods (receive ceiling) the generator. */
export function startCeilingPeer(mode: 'discard' | 'blast', protocol: 'hypertcp' | 'mqtt'): Promise<BrokerHandle> {
  return startNodeChild('bare', 'broker-ceiling-peer', [mode, protocol], protocol, protocol === 'hypertcp');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startMosquitto(qos: 0 | 1): Promise<BrokerHandle> {
  const bin = mosquittoPath()!;
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // Minimal: one loopback listener, anonymous QoS 0 clients, no persistence or logging to disk.
  // QoS 1: no cap on messages in flight or queued per client (defaults 20 and 1000 would throttle
  // the saturation window or drop), the same unbounded-by-count setting our queues use by bytes.
  const qos1 = qos === 1 ? ['max_inflight_messages 0', 'max_queued_messages 0'] : [];
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_connections -1', 'persistence false', 'log_dest none', ...qos1, ''].join('\n'));
  // Mosquitto does not raise its own descriptor limit: do it for the 5,000-connection shape.
  const child = spawn('sh', ['-c', `ulimit -n "$(ulimit -Hn)"; exec "${bin}" -c "${conf}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const watch = crashWatch(child, tailOf(child));
  await waitForPort(port, 5_000);
  return {
    kind: qos === 1 ? 'mosquitto-qos1' : 'mosquitto',
    protocol: 'mqtt',
    qos,
    pid: child.pid!,
    port,
    tokens: async () => ({}),
    gc: async () => {},
    serverLatency: async () => null,
    crashed: watch.crash,
    stop: async () => {
      watch.stopping();
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startBroker(kind: BrokerKind): Promise<BrokerHandle> {
  if (kind === 'mosquitto' || kind === 'mosquitto-qos1') return startMosquitto(kind === 'mosquitto' ? 0 : 1);
  if (kind === 'native') return startNodeChild(kind, 'broker-native', [forwarderAddonPath()], 'hypertcp', true);
  return startNodeChild(kind, `broker-${kind}`, [], kind === 'aedes' ? 'mqtt' : 'hypertcp', kind !== 'aedes');
}
