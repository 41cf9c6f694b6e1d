import type { Duplex } from 'node:stream';
import { Command, PROTOCOL_VERSION, Status } from '../../../shared/protocol/constants';
import { encodeDeviceEnvelope } from '../../../shared/protocol/envelope';
import type { Frame } from '../../../shared/protocol/frame';
import type { LoginReply } from '../../../shared/protocol/login';
import { BaseClient } from './base-client';

export interface V2ClientOptions {
  pingIntervalMs?: number;
  loginTimeoutMs?: number;
  /** Answer broker PINGs (turn off to simulate a dead device). */
  answerPings?: boolean;
}

export interface Redirect {
  server: string;
  port: number;
}

/**
 * A v2 device: JSON LOGIN with a device description, explicit statuses on every ack (send()
 * resolves with the status), REDIRECT recorded. Reused by hub and e2e tests.
 */
export class V2Client extends BaseClient {
  reply: LoginReply | null = null;
  redirects: Redirect[] = [];
  readonly statuses = new Map<number, number>();
  private pingTimer: NodeJS.Timeout | null = null;
  private loginMsgId = 0;
  private readonly pendingAcks = new Map<number, (status: number) => void>();

  constructor(
    stream: Duplex,
    private readonly options: V2ClientOptions = {},
  ) {
    super(stream);
    this.on('closed', () => this.pingTimer && clearInterval(this.pingTimer));
  }

  static async connect(port: number, options: V2ClientOptions = {}, host = '127.0.0.1'): Promise<V2Client> {
    return new V2Client(await BaseClient.tcp(port, host), options);
  }

  /** Logs in; resolves with the login status (200 on success) and stores the reply. */
  async login(token: string, device: object = {}, extra: Record<string, unknown> = {}): Promise<number> {
    this.loginMsgId = this.nextId();
    this.writeFrame(Command.LOGIN, this.loginMsgId, JSON.stringify({ v: PROTOCOL_VERSION, token, device, ...extra }));
    const frame = await this.waitFor(
      () => this.frames.find((f) => f.type === Command.RESPONSE && f.msgId === this.loginMsgId) ?? (this.closed ? null : undefined),
      this.options.loginTimeoutMs ?? 5_000,
      'login reply',
    );
    if (frame === null) throw new Error('login: connection closed without a reply');
    const status = frame.payload[0] ?? -1;
    if (status === Status.SUCCESS) {
      this.reply = JSON.parse(Buffer.from(frame.payload.subarray(1)).toString('utf8')) as LoginReply;
      this.loggedIn = true;
      const interval = this.options.pingIntervalMs ?? 0;
      if (interval > 0) this.pingTimer = setInterval(() => this.writeFrame(Command.PING, this.nextId()), interval);
    }
    return status;
  }

  /** Sends a JSON_MESSAGE without waiting; returns its msg id. */
  post(targetId: string, payloadJson: string, cmd: number = Command.JSON_MESSAGE): number {
    const id = this.nextId();
    this.writeFrame(cmd, id, encodeDeviceEnvelope(targetId, payloadJson));
    return id;
  }

  /** Sends and resolves with the broker's ack status. */
  send(targetId: string, payloadJson: string, timeoutMs = 2_000): Promise<number> {
    return this.status(this.post(targetId, payloadJson), timeoutMs);
  }

  broadcast(payloadJson: string, timeoutMs = 2_000): Promise<number> {
    return this.status(this.post('broadcast', payloadJson, Command.BROADCAST), timeoutMs);
  }

  /** Sends raw bytes as a frame payload and resolves with the ack status. */
  sendRaw(cmd: number, payload: Uint8Array | string, timeoutMs = 2_000): Promise<number> {
    const id = this.nextId();
    this.writeFrame(cmd, id, payload);
    return this.status(id, timeoutMs);
  }

  /** Resolves with the status the broker acked `msgId` with (O(1) per ack, fine for floods). */
  status(msgId: number, timeoutMs = 2_000): Promise<number> {
    const known = this.statuses.get(msgId);
    if (known !== undefined) {
      this.statuses.delete(msgId);
      return Promise.resolve(known);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(msgId);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ack of ${msgId}`));
      }, timeoutMs);
      this.pendingAcks.set(msgId, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
  }

  protected onFrame(frame: Frame): void {
    if (!this.loggedIn) return;
    switch (frame.type) {
      case Command.RESPONSE: {
        const status = frame.payload[0] ?? -1;
        const waiter = this.pendingAcks.get(frame.msgId);
        if (waiter) {
          this.pendingAcks.delete(frame.msgId);
          return waiter(status);
        }
        if (this.statuses.size > 100_000) this.statuses.clear();
        this.statuses.set(frame.msgId, status);
        return;
      }
      case Command.PING:
        if (this.options.answerPings !== false) this.writeFrame(Command.RESPONSE, frame.msgId);
        return;
      case Command.JSON_MESSAGE:
      case Command.BROADCAST:
        return this.deliver(frame);
      case Command.REDIRECT:
        this.redirects.push(JSON.parse(Buffer.from(frame.payload).toString('utf8')) as Redirect);
        return;
      default:
        this.violations.push(`unknown type ${frame.type}`);
    }
  }
}
