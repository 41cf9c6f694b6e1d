/**
 * One simulated device per socket, for both protocols, behind one small interface so the load
 * shapes are written once. Senders stamp the 64-byte payload in a pre-built frame; receivers read
 * the stamp at fixed offsets and report (send time, publisher index) per delivered message.
 */
import net from 'node:net';
import { PAYLOAD_SIZE, findPayload, nowMicros, readSrc, readTs, stampPayload } from '../lib/payload';
import { Command, loginFrame, measureFrame, messageTemplate, nextMsgId, setMsgId, writeEmptyResponse } from './hypertcp-wire';
import { MQTT, connectPacket, measurePacket, publishPacketId, publishPayloadStart, publishTemplate, subscribePacket, writePuback } from './mqtt-wire';
import { StreamReader } from './stream-reader';

export type Protocol = 'hypertcp' | 'mqtt';
/** Called per delivered message: send timestamp (µs), publisher index, receive time of the chunk. */
export type DeliveryHandler = (tsMicros: number, src: number, nowMicros: number) => void;

export interface ClientSpec {
  protocol: Protocol;
  port: number;
  /** Device id (HyperTCP) or client id (MQTT). */
  id: string;
  token?: string;
  /** Where this client sends: device id / "broadcast" (HyperTCP) or topic (MQTT). */
  sendTo?: string;
  /** MQTT topic this client subscribes to (HyperTCP receivers need no subscription). */
  subscribe?: string;
  /** MQTT: QoS of publishes and the subscription (1: PUBACK both ways, like HyperTCP's acks). */
  qos?: 0 | 1;
}

interface ChunkSink {
  push(chunk: Buffer): void;
}

export interface ClientCounters {
  acksOk: number;
  acksRefused: number;
  received: number;
  errors: number;
}

export class LoadClient {
  readonly counters: ClientCounters = { acksOk: 0, acksRefused: 0, received: 0, errors: 0 };
  private template: Buffer | null = null;
  private payloadAt = 0;
  /** MQTT QoS 1: where the packet id sits in the template, else -1. */
  private packetIdAt = -1;
  private msgId = 1;
  private readonly reader: ChunkSink;
  private handshake: ((error?: Error) => void) | null = null;

  constructor(
    readonly spec: ClientSpec,
    readonly socket: net.Socket,
    private readonly onDeliver: DeliveryHandler,
  ) {
    if (spec.sendTo !== undefined) {
      if (spec.protocol === 'hypertcp') {
        const t = messageTemplate(spec.sendTo, spec.sendTo === 'broadcast');
        this.template = t.bytes;
        this.payloadAt = t.payloadAt;
      } else {
        const t = publishTemplate(spec.sendTo, spec.qos ?? 0);
        this.template = t.bytes;
        this.payloadAt = t.payloadAt;
        this.packetIdAt = t.packetIdAt;
      }
    }
    this.reader = spec.protocol === 'hypertcp' ? this.hypertcpReader() : this.mqttReader();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk));
    socket.on('error', () => this.counters.errors++);
  }

  /** Writes `count` messages in one socket write; returns false when the socket buffer is full. */
  send(count: number, src: number, seq: number): boolean {
    const t = this.template!;
    const out = Buffer.allocUnsafe(t.length * count);
    const ts = nowMicros();
    for (let i = 0; i < count; i++) {
      const at = i * t.length;
      t.copy(out, at);
      stampPayload(out, at + this.payloadAt, src, seq + i, ts);
      if (this.spec.protocol === 'hypertcp') {
        setMsgId(out, at, this.msgId);
        this.msgId = nextMsgId(this.msgId);
      } else if (this.packetIdAt >= 0) {
        out[at + this.packetIdAt] = this.msgId >> 8;
        out[at + this.packetIdAt + 1] = this.msgId & 0xff;
        this.msgId = nextMsgId(this.msgId);
      }
    }
    return this.socket.write(out);
  }

  /** Logs in (HyperTCP v2) or connects and subscribes (MQTT); resolves once the broker accepted. */
  start(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.spec.id}: handshake timeout`)), timeoutMs);
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.handshake = null;
        if (error) reject(error);
        else resolve();
      };
      this.handshake = done;
      this.socket.once('error', (e) => this.handshake?.(e));
      this.socket.once('close', () => this.handshake?.(new Error(`${this.spec.id}: closed during handshake`)));
      if (this.spec.protocol === 'hypertcp') this.socket.write(loginFrame(this.spec.token ?? ''));
      else this.socket.write(connectPacket(this.spec.id));
    });
  }

  private hypertcpReader(): ChunkSink {
    let acks: Buffer | null = null;
    let ackCount = 0;
    let now = 0;
    const ack = (msgId: number): void => {
      acks ??= Buffer.allocUnsafe(4096 * 5);
      if (ackCount * 5 >= acks.length) flush();
      writeEmptyResponse(acks!, ackCount++ * 5, msgId);
    };
    const flush = (): void => {
      if (ackCount > 0 && acks) this.socket.write(Buffer.from(acks.subarray(0, ackCount * 5)));
      ackCount = 0;
    };
    const reader = new StreamReader(measureFrame, (buf, start, end) => {
      const type = buf[start]!;
      const msgId = (buf[start + 1]! << 8) | buf[start + 2]!;
      if (type === Command.JSON_MESSAGE || type === Command.BROADCAST) {
        ack(msgId);
        this.deliver(buf, start + 5, end, now);
      } else if (type === Command.RESPONSE) {
        const status = end - start > 5 ? buf[start + 5]! : 200;
        if (this.handshake) {
          this.handshake(status === 200 ? undefined : new Error(`${this.spec.id}: login refused, status ${status}`));
        } else if (status === 200) this.counters.acksOk++;
        else this.counters.acksRefused++;
      } else if (type === Command.PING) ack(msgId);
    });
    return {
      push: (chunk: Buffer) => {
        now = nowMicros();
        reader.push(chunk);
        flush();
      },
    };
  }

  private mqttReader(): ChunkSink {
    let now = 0;
    // QoS 1: PUBACKs for a chunk's deliveries leave in one write, as HyperTCP receivers' acks do.
    const acks = Buffer.allocUnsafe(4096 * 4);
    let ackCount = 0;
    const flush = (): void => {
      if (ackCount > 0) this.socket.write(Buffer.from(acks.subarray(0, ackCount * 4)));
      ackCount = 0;
    };
    const reader = new StreamReader(measurePacket, (buf, start, end) => {
      const first = buf[start]!;
      const type = first >> 4;
      if (type === MQTT.PUBLISH) {
        const payloadStart = publishPayloadStart(buf, start);
        if ((first & 0x06) !== 0) {
          if (ackCount === 4096) flush();
          writePuback(acks, ackCount++ * 4, publishPacketId(buf, payloadStart));
        }
        this.deliver(buf, payloadStart, end, now);
      } else if (type === MQTT.PUBACK) this.counters.acksOk++;
      else if (type === MQTT.CONNACK) {
        const rc = buf[start + 3];
        if (rc !== 0) this.handshake?.(new Error(`${this.spec.id}: CONNACK ${rc}`));
        else if (this.spec.subscribe) this.socket.write(subscribePacket(this.spec.subscribe, this.spec.qos ?? 0));
        else this.handshake?.();
      } else if (type === MQTT.SUBACK) this.handshake?.(buf[start + 4] === 0x80 ? new Error('SUBACK failure') : undefined);
    });
    return {
      push: (chunk: Buffer) => {
        now = nowMicros();
        reader.push(chunk);
        flush();
      },
    };
  }

  private deliver(buf: Buffer, from: number, end: number, now: number): void {
    const at = findPayload(buf, from, end);
    if (at < 0 || at + PAYLOAD_SIZE > end) return;
    this.counters.received++;
    this.onDeliver(readTs(buf, at), readSrc(buf, at), now);
  }
}

export function connectClient(spec: ClientSpec, onDeliver: DeliveryHandler): Promise<LoadClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: spec.port, host: '127.0.0.1' });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      const client = new LoadClient(spec, socket, onDeliver);
      client.start().then(() => resolve(client), (e: unknown) => {
        socket.destroy();
        reject(e instanceof Error ? e : new Error(String(e)));
      });
    });
  });
}
