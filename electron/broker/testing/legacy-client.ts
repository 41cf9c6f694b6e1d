import type { Duplex } from 'node:stream';
import { Command, Status, isKnownCommand } from '../../../shared/protocol/constants';
import { encodeDeviceEnvelope } from '../../../shared/protocol/envelope';
import type { Frame } from '../../../shared/protocol/frame';
import { BaseClient } from './base-client';

export interface LegacyClientOptions {
  /** The seed firmware pings every 30 s; tests pass something short. 0 = never. */
  pingIntervalMs?: number;
  /** The seed firmware gives the login reply 5 s. */
  loginTimeoutMs?: number;
}

/**
 * Behaves byte for byte like the seed firmware (HyperTCPProtocol.h, docs/PROTOCOL.md):
 * LOGIN with the raw token and msg_id 1; succeeds only if the very first frame back is
 * `00 00 01 00 01 C8` within the timeout; pings every interval; answers a broker PING and every
 * delivered message with an empty RESPONSE. Anything that firmware could not handle (a RESPONSE
 * with a payload after login, an unknown type, REDIRECT) is recorded in `violations`.
 */
export class LegacyClient extends BaseClient {
  private pingTimer: NodeJS.Timeout | null = null;
  private loginReply: ((frame: Frame) => void) | null = null;
  readonly acks: Frame[] = [];

  constructor(
    stream: Duplex,
    private readonly options: LegacyClientOptions = {},
  ) {
    super(stream);
    this.on('closed', () => this.stopPinging());
  }

  static async connect(port: number, options: LegacyClientOptions = {}, host = '127.0.0.1'): Promise<LegacyClient> {
    return new LegacyClient(await BaseClient.tcp(port, host), options);
  }

  /** Resolves on success; rejects with the reason the seed firmware would give up. */
  login(token: string): Promise<void> {
    const timeoutMs = this.options.loginTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.loginReply = null;
        reject(new Error('login: no reply within timeout'));
      }, timeoutMs);
      this.loginReply = (frame) => {
        clearTimeout(timer);
        this.loginReply = null;
        const ok = frame.type === Command.RESPONSE && frame.msgId === 1 && frame.payload.length === 1 && frame.payload[0] === Status.SUCCESS;
        if (!ok) {
          reject(new Error(`login refused: type ${frame.type} id ${frame.msgId} len ${frame.payload.length} status ${frame.payload[0]}`));
          return;
        }
        this.loggedIn = true;
        // The seed's first message after login reuses msg_id 1.
        this.msgCounter = 1;
        const interval = this.options.pingIntervalMs ?? 30_000;
        if (interval > 0) this.pingTimer = setInterval(() => this.ping(), interval);
        resolve();
      };
      this.once('closed', () => {
        if (this.loginReply) {
          clearTimeout(timer);
          this.loginReply = null;
          reject(new Error('login: connection closed'));
        }
      });
      this.writeFrame(Command.LOGIN, 1, Buffer.from(token, 'utf8'));
    });
  }

  ping(): number {
    const id = this.nextId();
    this.writeFrame(Command.PING, id);
    return id;
  }

  send(targetId: string, payloadJson: string): number {
    const id = this.nextId();
    this.writeFrame(Command.JSON_MESSAGE, id, encodeDeviceEnvelope(targetId, payloadJson));
    return id;
  }

  broadcast(payloadJson: string): number {
    const id = this.nextId();
    this.writeFrame(Command.BROADCAST, id, encodeDeviceEnvelope('broadcast', payloadJson));
    return id;
  }

  stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  protected onFrame(frame: Frame): void {
    if (this.loginReply) return this.loginReply(frame);
    if (!this.loggedIn) return void this.violations.push(`frame type ${frame.type} before login reply`);
    switch (frame.type) {
      case Command.RESPONSE:
        if (frame.payload.length > 0) this.violations.push(`RESPONSE with ${frame.payload.length}-byte payload`);
        this.keep(this.acks, frame);
        return;
      case Command.PING:
        this.writeFrame(Command.RESPONSE, frame.msgId);
        return;
      case Command.JSON_MESSAGE:
      case Command.BROADCAST:
        return this.deliver(frame);
      default:
        this.violations.push(isKnownCommand(frame.type) ? `unexpected ${frame.type}` : `unknown type ${frame.type}`);
    }
  }
}
