import { describe, expect, it } from 'vitest';
import { FrameDecoder, parseDeviceEnvelope } from '../../shared/protocol';
import { PAYLOAD_TEMPLATE } from '../lib/payload';
import { measureFrame, messageTemplate, setMsgId } from './hypertcp-wire';
import { connectPacket, measurePacket, publishPacketId, publishPayloadStart, publishTemplate, writePuback } from './mqtt-wire';
import { StreamReader } from './stream-reader';

describe('generator wire formats', () => {
  it('HyperTCP message template is a valid frame and envelope (checked by the shared decoder)', () => {
    const t = messageTemplate('sink');
    setMsgId(t.bytes, 0, 0x0102);
    const decoder = new FrameDecoder();
    decoder.feed(t.bytes);
    const r = decoder.next();
    expect(r.kind).toBe('frame');
    if (r.kind !== 'frame') return;
    expect(r.frame).toMatchObject({ type: 30, msgId: 0x0102 });
    const env = parseDeviceEnvelope(r.frame.payload);
    expect(env.ok && env.value.targetId).toBe('sink');
    expect(t.bytes.subarray(t.payloadAt, t.payloadAt + 64).toString()).toBe(PAYLOAD_TEMPLATE);
    expect(messageTemplate('broadcast', true).bytes[0]).toBe(50);
  });

  it('MQTT QoS 1 publishes carry a packet id before the payload, answered by a 4-byte PUBACK', () => {
    const p = publishTemplate('bench/sink', 1);
    expect(p.bytes[0]).toBe(0x32);
    expect(publishPayloadStart(p.bytes, 0)).toBe(p.payloadAt);
    expect(p.packetIdAt).toBe(p.payloadAt - 2);
    p.bytes[p.packetIdAt] = 0x12;
    p.bytes[p.packetIdAt + 1] = 0x34;
    expect(publishPacketId(p.bytes, p.payloadAt)).toBe(0x1234);
    const ack = Buffer.alloc(4);
    writePuback(ack, 0, 0x1234);
    expect([...ack]).toEqual([0x40, 2, 0x12, 0x34]);
    expect(publishTemplate('bench/sink').packetIdAt).toBe(-1);
  });

  it('MQTT packets measure and point at the payload', () => {
    const p = publishTemplate('bench/sink');
    expect(measurePacket(p.bytes, 0, p.bytes.length)).toBe(p.bytes.length);
    expect(publishPayloadStart(p.bytes, 0)).toBe(p.payloadAt);
    expect(measurePacket(p.bytes, 0, 1)).toBe(0);
    const c = connectPacket('client-1');
    expect(c[0]).toBe(0x10);
    expect(measurePacket(c, 0, c.length)).toBe(c.length);
  });

  it('the stream reader reassembles packets split at every byte', () => {
    const one = messageTemplate('b-01').bytes;
    const stream = Buffer.concat([one, one, one]);
    for (let cut = 1; cut < stream.length; cut++) {
      const seen: number[] = [];
      const reader = new StreamReader(measureFrame, (buf, start, end) => seen.push(end - start));
      reader.push(stream.subarray(0, cut));
      reader.push(stream.subarray(cut));
      expect(seen).toEqual([one.length, one.length, one.length]);
    }
  });
});
