/**
 * Test helpers for the native wire: a listener whose events are recorded, and raw TCP clients on
 * 127.0.0.1 that collect what they receive. Builds the addon first; `skip` says why it cannot.
 */
import { connect, type Socket } from 'node:net';
import { buildNativeWire } from './build-native';
import { findNativeWire, loadNativeWire, NativeWire, type NativeCounters, type NativeTrace, type NativeWireAddon, type NativeWireOptions } from './wire';

function prepare(): { addon: NativeWireAddon; skip: null } | { addon: null; skip: string } {
  // A file named by HYPERTCP_NATIVE_WIRE (the sanitized build of test-sanitized.ts) is the one under test.
  const named = process.env.HYPERTCP_NATIVE_WIRE;
  const built = named && named !== 'off' ? { file: findNativeWire(), reason: null } : buildNativeWire();
  if (built.file === null) return { addon: null, skip: built.reason };
  const loaded = loadNativeWire(built.file);
  return loaded.addon ? { addon: loaded.addon, skip: null } : { addon: null, skip: loaded.reason };
}

export const native = prepare();
if (native.skip) console.warn(`native wire tests skipped: ${native.skip}`);

export async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export type RecordedTrace = Omit<NativeTrace, 'batch' | 'envelopeStart' | 'envelopeEnd'> & { envelope: Uint8Array };

/** A NativeWire on 127.0.0.1 with every event recorded. */
export class Recorder {
  readonly wire: NativeWire;
  port = 0;
  readonly accepted: { connId: number; address: string; port: number }[] = [];
  readonly data = new Map<number, Buffer>();
  readonly closed = new Map<number, string>();
  readonly drained: number[] = [];
  /** Copies of the trace records, the payload's span relative to the envelope. */
  readonly traces: RecordedTrace[] = [];
  readonly counters = new Map<number, NativeCounters>();
  readonly batches: number[] = [];
  /** Counter records received (each adds into `counters`). */
  counterRecords = 0;
  onData: ((connId: number, bytes: Uint8Array) => void) | null = null;

  constructor(addon: NativeWireAddon, options?: NativeWireOptions) {
    this.wire = new NativeWire(addon, {
      accepted: (connId, address, port) => this.accepted.push({ connId, address, port }),
      data: (connId, bytes) => {
        this.data.set(connId, Buffer.concat([this.data.get(connId) ?? Buffer.alloc(0), bytes]));
        this.onData?.(connId, bytes);
      },
      closed: (connId, reason) => this.closed.set(connId, reason),
      drained: (connId) => this.drained.push(connId),
      trace: (t) => this.traces.push({
        connId: t.connId, receiverId: t.receiverId, inMsgId: t.inMsgId, outMsgId: t.outMsgId, status: t.status,
        envelope: t.batch.slice(t.envelopeStart, t.envelopeEnd), payloadStart: t.payloadStart - t.envelopeStart, payloadEnd: t.payloadEnd - t.envelopeStart,
      }),
      counters: (connId, delta) => {
        this.counterRecords++;
        const sum = this.counters.get(connId) ?? { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, acksOut: 0, rateLimited: 0, acksIn: 0 };
        for (const key of Object.keys(sum) as (keyof NativeCounters)[]) sum[key] += delta[key];
        this.counters.set(connId, sum);
      },
      batchEnd: (seq) => this.batches.push(seq),
    }, options);
    this.port = this.wire.listen('127.0.0.1', 0);
  }

  bytes(connId: number): Buffer {
    return this.data.get(connId) ?? Buffer.alloc(0);
  }

  /** Connects a client and waits until the wire has accepted it. */
  async client(): Promise<{ client: Client; connId: number }> {
    const before = this.accepted.length;
    const client = await Client.open(this.port);
    await until(() => this.accepted.length > before, 'accepted');
    return { client, connId: this.accepted[this.accepted.length - 1]!.connId };
  }
}

export class Client {
  ended = false;
  private readonly chunks: Buffer[] = [];
  private length = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
    });
    socket.on('close', () => (this.ended = true));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Everything received so far (joined once per read of it, so a long stream stays linear). */
  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks.splice(0, this.chunks.length, Buffer.concat(this.chunks));
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  async waitFor(length: number): Promise<Buffer> {
    await until(() => this.length >= length, `${length} bytes at the client (have ${this.length})`);
    return this.received;
  }
}
