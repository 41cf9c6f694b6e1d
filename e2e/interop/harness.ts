/**
 * Interop harness: the real broker (in-process, in-memory tokens) and the real simulator binary
 * (firmware/build/hypertcp-sim, built from the firmware library by `make -C firmware sim`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startBroker, type Broker, type StartBrokerOptions } from '../../electron/broker/index';
import type { DisconnectReason, SessionInfo } from '../../electron/broker/types';

const FIRMWARE_DIR = fileURLToPath(new URL('../../firmware', import.meta.url));
export const SIM_BINARY = `${FIRMWARE_DIR}/build/hypertcp-sim`;

/**
 * Builds (or refreshes) the simulator; make is a no-op when it is up to date. Test files run in
 * parallel, so the build holds a lock: two makes writing the same objects would corrupt them.
 */
export function buildSim(): void {
  mkdirSync(`${FIRMWARE_DIR}/build`, { recursive: true });
  execFileSync('flock', [`${FIRMWARE_DIR}/build/.sim.lock`, 'make', '-s', '-C', FIRMWARE_DIR, 'sim'], {
    stdio: 'pipe',
    timeout: 180_000,
  });
}

/** Resolves once `check` returns a value other than undefined; rejects after timeoutMs. */
export async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A running simulator with every stdout line kept (bounded) for assertions. */
export class SimProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private partial = '';

  constructor(port: number, devices: string[], extra: string[] = [], host = '127.0.0.1') {
    const args = ['--host', host, '--port', String(port), ...devices.flatMap((d) => ['--device', d]), ...extra];
    this.child = spawn(SIM_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.take(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.take(chunk));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => resolve(code));
      this.child.on('error', (error) => {
        this.lines.push(`spawn failed: ${error.message}`);
        resolve(null);
      });
    });
  }

  private take(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (this.lines.push(line) > 5000) this.lines.shift();
  }

  /** The first line matching `pattern` after `from` (an index into lines). */
  waitFor(pattern: RegExp, timeoutMs = 5000, from = 0): Promise<RegExpMatchArray> {
    return until(`sim line ${pattern}\n--- sim output:\n${this.lines.join('\n')}`, () => {
      for (let i = from; i < this.lines.length; i++) {
        const m = this.lines[i]!.match(pattern);
        if (m) return m;
      }
      return undefined;
    }, timeoutMs);
  }

  count(pattern: RegExp): number {
    return this.lines.filter((l) => pattern.test(l)).length;
  }

  /** SIGTERM and the exit code (the sim exits 0 on SIGTERM). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  exitCode(): Promise<number | null> {
    return this.exited;
  }
}

export interface ClosedSession {
  id: string;
  reason: DisconnectReason;
  detail?: string;
}

/** A broker on an ephemeral 127.0.0.1 port that records what the tests look at. */
export class TestBroker {
  readonly opened: SessionInfo[] = [];
  readonly closed: ClosedSession[] = [];
  readonly toServer: { from: string; json: string }[] = [];

  private constructor(
    readonly broker: Broker,
    readonly port: number,
  ) {
    broker.on('session:open', (s: SessionInfo) => this.opened.push(s));
    broker.on('session:close', (s: SessionInfo, reason: DisconnectReason, detail?: string) =>
      this.closed.push({ id: s.id, reason, detail }),
    );
    broker.on('server:message', (ev: { from: string; payload: Uint8Array }) =>
      this.toServer.push({ from: ev.from, json: Buffer.from(ev.payload).toString('utf8') }),
    );
  }

  static async start(options: StartBrokerOptions): Promise<TestBroker> {
    const { broker, port } = await startBroker({ host: '127.0.0.1', port: 0, ...options });
    return new TestBroker(broker, port);
  }

  online(id: string): Promise<SessionInfo> {
    return until(`session ${id} on port ${this.port}`, () => this.broker.session(id) ?? undefined);
  }

  /** The first JSON payload a device sent to "server" that satisfies `match`. */
  serverMessage(from: string, match: (payload: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return until(`a message from ${from} to server`, () => {
      for (const m of this.toServer) {
        if (m.from !== from) continue;
        const payload = JSON.parse(m.json) as Record<string, unknown>;
        if (match(payload)) return payload;
      }
      return undefined;
    }, timeoutMs);
  }

  closeOf(id: string, timeoutMs = 5000): Promise<ClosedSession> {
    return until(`session ${id} to close`, () => this.closed.find((c) => c.id === id), timeoutMs);
  }

  close(): Promise<void> {
    return this.broker.close();
  }
}

/**
 * A TCP relay between the simulator and a broker that can go silent on command: frozen, it drops
 * everything in both directions and hides closes, like a cable pulled mid-session.
 */
export class FreezableProxy {
  private frozen = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((downstream) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const [from, to] of [[downstream, upstream], [upstream, downstream]] as const) {
        this.sockets.add(from);
        from.on('data', (data) => {
          if (!this.frozen) to.write(data);
        });
        from.on('close', () => {
          if (!this.frozen) to.destroy();
        });
        from.on('error', () => undefined);
      }
    });
  }

  static async start(targetPort: number): Promise<FreezableProxy> {
    const proxy = new FreezableProxy(targetPort);
    proxy.port = await new Promise<number>((resolve) =>
      proxy.server.listen(0, '127.0.0.1', () => resolve((proxy.server.address() as { port: number }).port)),
    );
    return proxy;
  }

  freeze(): void {
    this.frozen = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
