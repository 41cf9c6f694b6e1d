/**
 * A minimal MQTT 3.1.1 client codec (CONNECT, SUBSCRIBE, PUBLISH QoS 0 or 1, PUBACK): raw bytes, so the
 * generator costs the same per message for MQTT brokers as for HyperTCP.
 */
import { PAYLOAD_TEMPLATE } from '../lib/payload';
import type { PacketMeasure } from './stream-reader';

export const MQTT = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, SUBSCRIBE: 8, SUBACK: 9, PINGREQ: 12, PINGRESP: 13 } as const;

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first, ...remainingLength(body.length)]), body]);
}

export function connectPacket(clientId: string, keepaliveS = 60): Buffer {
  const header = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, keepaliveS >> 8, keepaliveS & 0xff]);
  return packet(MQTT.CONNECT << 4, Buffer.concat([header, str(clientId)]));
}

export function subscribePacket(topic: string, qos: 0 | 1 = 0, packetId = 1): Buffer {
  return packet((MQTT.SUBSCRIBE << 4) | 0x02, Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), str(topic), Buffer.from([qos])]));
}

export interface PublishTemplate {
  bytes: Buffer;
  payloadAt: number;
  /** QoS 1: offset of the 2-byte packet id, set per message; -1 for QoS 0. */
  packetIdAt: number;
}

export function publishTemplate(topic: string, qos: 0 | 1 = 0): PublishTemplate {
  const id = qos === 1 ? Buffer.from([0, 1]) : Buffer.alloc(0);
  const bytes = packet((MQTT.PUBLISH << 4) | (qos << 1), Buffer.concat([str(topic), id, Buffer.from(PAYLOAD_TEMPLATE)]));
  const payloadAt = bytes.length - PAYLOAD_TEMPLATE.length;
  return { bytes, payloadAt, packetIdAt: qos === 1 ? payloadAt - 2 : -1 };
}

/** PUBACK for a QoS 1 PUBLISH, written at `at` (4 bytes). */
export function writePuback(out: Buffer, at: number, packetId: number): void {
  out[at] = MQTT.PUBACK << 4;
  out[at + 1] = 2;
  out[at + 2] = packetId >> 8;
  out[at + 3] = packetId & 0xff;
}

/** Packet id of a QoS 1 PUBLISH at `start` (whose payload starts at payloadStart). */
export function publishPacketId(buf: Buffer, payloadStart: number): number {
  return (buf[payloadStart - 2]! << 8) | buf[payloadStart - 1]!;
}

export const pingReq = Buffer.from([MQTT.PINGREQ << 4, 0]);

/** Length of the whole packet at `at`, 0 when its fixed header is not complete yet. */
export const measurePacket: PacketMeasure = (buf, at, available) => {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    if (i >= available) return 0;
    const byte = buf[at + i]!;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return 1 + i + length;
    multiplier *= 128;
  }
  throw new Error('malformed MQTT remaining length');
};

/** Offset where a QoS 0/1 PUBLISH's application payload starts. */
export function publishPayloadStart(buf: Buffer, start: number): number {
  let i = start + 1;
  while (buf[i]! & 0x80) i++;
  i++;
  const topicLength = (buf[i]! << 8) | buf[i + 1]!;
  const qos = (buf[start]! >> 1) & 3;
  return i + 2 + topicLength + (qos > 0 ? 2 : 0);
}
