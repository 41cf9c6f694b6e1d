import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { Command } from '../../../shared/protocol/constants';
import { FrameDecoder } from '../../../shared/protocol/decoder';
import { encodeFrame, type Frame } from '../../../shared/protocol/frame';

export interface Delivered {
  cmd: number;
  msgId: number;
  from: string;
  payload: unknown;
  raw: string;
}

const MAX_KEPT = 200_000;

/**
 * What the legacy and v2 test clients share: a stream, a decoder that accepts any type (so a
 * broker bug shows up as a recorded violation, not a crash), frame and message logs, and waiting
 * helpers. Reused by the hub and e2e tests.
 */
export abstract class BaseClient extends EventEmitter {
  readonly frames: Frame[] = [];
  readonly messages: Delivered[] = [];
  /** Things the device's firmware could not have handled; tests assert this stays empty. */
  readonly violations: string[] = [];
  closed = false;
  protected loggedIn = false;
  protected msgCounter = 1;
  private readonly decoder = new FrameDecoder({ maxPayload: 0xffff, acceptUnknownTypes: true });
  private readonly waiters = new Set<() => void>();

  constructor(readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', () => {});
    stream.on('close', () => this.markClosed());
    stream.on('end', () => {
      this.markClosed();
      stream.end();
    });
  }

  static tcp(port: number, host = '127.0.0.1'): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port, host, noDelay: true }, () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  static tls(port: number, ca: string, host = '127.0.0.1'): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host, ca, servername: 'localhost' }, () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.stream.write(bytes);
  }

  writeFrame(type: number, msgId: number, payload: Uint8Array | string = new Uint8Array(0)): void {
    this.write(encodeFrame(type, msgId, payload));
  }

  /** The next msg id this device uses for a message (1..65535). */
  protected nextId(): number {
    const id = this.msgCounter;
    this.msgCounter = id === 0xffff ? 1 : id + 1;
    return id;
  }

  /** Resolves with fn()'s first defined value, re-checked after every frame and on close. */
  waitFor<T>(fn: () => T | undefined | false, timeoutMs = 2_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = fn();
        if (value === undefined || value === false) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  waitClosed(timeoutMs = 2_000): Promise<true> {
    return this.waitFor(() => this.closed || undefined, timeoutMs, 'close');
  }

  waitMessages(count: number, timeoutMs = 2_000): Promise<Delivered[]> {
    return this.waitFor(() => (this.messages.length >= count ? this.messages : undefined), timeoutMs, `${count} messages`);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  close(): void {
    this.stream.end();
  }

  destroy(): void {
    this.stream.destroy();
  }

  protected abstract onFrame(frame: Frame): void;

  /** A delivered JSON_MESSAGE or BROADCAST: ack with an empty RESPONSE (both firmwares do). */
  protected deliver(frame: Frame): void {
    this.writeFrame(Command.RESPONSE, frame.msgId);
    const raw = Buffer.from(frame.payload).toString('utf8');
    try {
      const json = JSON.parse(raw) as { from?: unknown; payload?: unknown };
      if (typeof json.from === 'string' && json.payload !== null && typeof json.payload === 'object' && !Array.isArray(json.payload)) {
        this.keep(this.messages, { cmd: frame.type, msgId: frame.msgId, from: json.from, payload: json.payload, raw });
        this.emit('message', this.messages[this.messages.length - 1]);
        return;
      }
    } catch {
      // fall through
    }
    this.violations.push(`undeliverable envelope: ${raw.slice(0, 80)}`);
  }

  protected keep<T>(list: T[], item: T): void {
    if (list.length >= MAX_KEPT) list.shift();
    list.push(item);
  }

  private onData(chunk: Buffer): void {
    this.decoder.feed(chunk);
    for (;;) {
      const result = this.decoder.next();
      if (result.kind === 'need-more') break;
      if (result.kind === 'error') {
        this.violations.push(`undecodable: ${result.error.code}`);
        this.stream.destroy();
        break;
      }
      this.keep(this.frames, result.frame);
      this.onFrame(result.frame);
      this.emit('frame', result.frame);
    }
    this.notify();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed');
    this.notify();
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}
