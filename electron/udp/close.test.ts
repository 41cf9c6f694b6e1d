import { describe, expect, it } from 'vitest';
import { Channel, CloseReason, decodeFrames, type Frame, writeAck, writeMsg } from '../../shared/protocol/udp/frames';
import { decodeHeader } from '../../shared/protocol/udp/wire';
import { VirtualClock } from './clock';
import type { UdpConfig } from './config';
import { deriveDirectionKey, open, tokenHash } from './crypto';
import { ForgedDevice } from './forge';
import { SimulatedNetwork } from './net';
import { simulatedSession } from './simulated';
import { UdpTransport } from './transport';

const BROKER = '10.0.0.1:8080';
const DEVICE = { address: '10.0.1.1', port: 5000 };

/** A transport and a hand-driven device that reads what the broker sends it (packet number and frames). */
function forgedSession(config: Partial<UdpConfig> = {}) {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork(clock, { loss: 0, duplicate: 0, reorder: 0, delayMs: 1, jitterMs: 0 });
  const transport = new UdpTransport({ socket: net.socket('10.0.0.1', 8080), onEnvelope: () => {}, clock, config: { heartbeatMs: 60_000, ...config } });
  const hash = tokenHash('forged-token-0123456789abcdef');
  const grant = transport.openSession('dev-x', hash)!;
  const device = new ForgedDevice(grant.sessionId, grant.nonce, hash);
  const s2d = deriveDirectionKey(hash, Buffer.from(grant.nonce, 'hex'), device.deviceNonce, grant.sessionId, 's2d');
  const received: { pn: number; frames: Frame[] }[] = [];
  const wire = net as unknown as { carry: (d: Uint8Array, from: { address: string; port: number }, to: string) => void };
  const carry = wire.carry.bind(net);
  wire.carry = (d, from, to) => {
    const h = decodeHeader(d);
    const plain = from.port === 8080 && h.ok ? open(s2d, h.value.packetNumber, d, h.value.length) : null;
    const frames = plain ? decodeFrames(plain) : null;
    if (h.ok && frames?.ok) received.push({ pn: h.value.packetNumber, frames: frames.frames });
    carry(d, from, to);
  };
  const closes: string[] = [];
  transport.on('session:close', (e: { reason: string }) => closes.push(e.reason));
  const send = (plain: Uint8Array) => net.inject(device.datagram(plain), DEVICE, BROKER);
  send(Uint8Array.of(2)); // HELLO: a PING
  clock.run(clock.now() + 5);
  return { clock, transport, received, closes, send };
}

const closeReasons = (received: { frames: Frame[] }[]) => received.flatMap((r) => r.frames.flatMap((f) => (f.type === 3 ? [f.reason] : [])));

describe('UDP sessions end with the reason the protocol names', () => {
  it('CLOSE says replaced, shutdown, or normal (PROTOCOL.md 9.4)', () => {
    for (const [end, code] of [['replaced', CloseReason.REPLACED], ['shutdown', CloseReason.SHUTDOWN], ['revoked', CloseReason.NORMAL]] as const) {
      const s = forgedSession();
      expect(s.transport.isOpen('dev-x')).toBe(true);
      if (end === 'shutdown') s.transport.close();
      else s.transport.closeSession('dev-x', end);
      expect(closeReasons(s.received), end).toEqual([code]);
    }
  });

  it('an ACK that ends the session (retries exhausted) leaves the fragments after it in the packet no reassembly budget', () => {
    const s = forgedSession({ maxRetries: 0 });
    const ack = (largest: number) => {
      const out = new Uint8Array(64);
      return out.subarray(0, writeAck(out, 0, { largest, delayMs: 0, mask: 0n }));
    };
    // the address proof: the broker's first packet acknowledged
    s.send(ack(Math.max(...s.received.map((r) => r.pn))));
    for (let i = 0; i < 5; i++) {
      s.transport.deliver('dev-x', 'server', new TextEncoder().encode(`{"i":${i}}`));
      s.clock.run(s.clock.now() + 1);
    }
    const newest = Math.max(...s.received.map((r) => r.pn));
    // only the newest acknowledged: the ones 3 or more before it are lost, and may not be sent again
    const out = new Uint8Array(256);
    let at = writeAck(out, 0, { largest: newest, delayMs: 0, mask: 0n });
    for (let index = 0; index < 3; index++) at = writeMsg(out, at, { channel: Channel.RELIABLE_ORDERED, seq: 0, deflate: false, fragment: { index, count: 4, total: 4 }, data: Uint8Array.of(0x41) });
    s.send(out.subarray(0, at));
    expect(s.closes).toEqual(['retries_exhausted']);
    expect([s.transport.budget.partials, s.transport.budget.bytes]).toEqual([0, 0]);
  });

  it('a send callback that closes the session runs once its packet is out: no packet number sealed twice', () => {
    const s = simulatedSession();
    s.clock.run(100);
    const sent: { pn: number; length: number }[] = [];
    const wire = s.net as unknown as { carry: (d: Uint8Array, from: { address: string; port: number }, to: string) => void };
    const carry = wire.carry.bind(s.net);
    wire.carry = (d, from, to) => {
      const h = decodeHeader(d);
      if (from.port === 40000 && h.ok) sent.push({ pn: h.value.packetNumber, length: d.length });
      carry(d, from, to);
    };
    expect(s.client.send('server', '{"last":"words"}', 'unreliable', () => s.client.close())).toBe(true);
    s.clock.run(s.clock.now() + 50);
    expect(sent.length).toBeGreaterThanOrEqual(2); // the message, then the CLOSE
    expect(new Set(sent.map((d) => d.pn)).size).toBe(sent.length);
    expect(s.atBroker.map((e) => new TextDecoder().decode(e.payload))).toEqual(['{"last":"words"}']);
  });
});
