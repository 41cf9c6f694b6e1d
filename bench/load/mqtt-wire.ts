/**
 * A minimal MQTT 3.1.1 client codec (CONNECT, SUBSCRIBE, PUBLISH QoS 0): raw bytes, so the
 * generator costs the same per message for MQTT brokers as for HyperTCP.
 */
import { PAYLOAD_TEMPLATE } from '../lib/payload';
import type { PacketMeasure } from './stream-reader';

export const MQTT = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, SUBSCRIBE: 8, SUBACK: 9, PINGREQ: 12, PINGRESP: 13 } as const;

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

export function subscribePacket(topic: string, packetId = 1): Buffer {
  return packet((MQTT.SUBSCRIBE << 4) | 0x02, Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), str(topic), Buffer.from([0])]));
}

export interface PublishTemplate {
  bytes: Buffer;
  payloadAt: number;
}

export function publishTemplate(topic: string): PublishTemplate {
  const bytes = packet(MQTT.PUBLISH << 4, Buffer.concat([str(topic), Buffer.from(PAYLOAD_TEMPLATE)]));
  return { bytes, payloadAt: bytes.length - PAYLOAD_TEMPLATE.length };
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
