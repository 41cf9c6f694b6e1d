import { describe, expect, it } from 'vitest';
import { Channel, type MsgFrame } from '../../shared/protocol/udp/frames';
import { DEFAULT_UDP_CONFIG, resolveConfig } from './config';
import { newCounters } from './counters';
import { Inbox } from './inbox';
import { ReassemblyBudget } from './reassembly';
import type { OrderedReceiver, UnorderedReceiver } from './receive-channels';

// A decrypted datagram is a Node Buffer and frames are views into it; what the inbox keeps must be
// copies of their own (a Buffer's slice() is a view too), or a few counted bytes keep the datagram.
describe('Inbox keeps copies of what it holds', () => {
  const text = (b: Uint8Array) => Buffer.from(b).toString();

  function inbox() {
    const got: Uint8Array[] = [];
    const box = new Inbox(resolveConfig(), new ReassemblyBudget(64, 1 << 20), newCounters(), (data) => got.push(data), () => {}, () => false);
    return { box, got };
  }

  /** A frame whose data is a view into a datagram-sized Buffer, like decodeFrames' output. */
  function framed(seq: number, body: string, fragment: MsgFrame['fragment'] = null): { frame: MsgFrame; datagram: Buffer } {
    const datagram = Buffer.alloc(2048, 0x78);
    datagram.write(body, 100);
    return { frame: { type: 4, channel: Channel.RELIABLE_ORDERED, deflate: false, seq, fragment, data: datagram.subarray(100, 100 + body.length) }, datagram };
  }

  it('a message held for its turn (ordered channel, one before it missing)', () => {
    const { box, got } = inbox();
    const later = framed(1, '{"n":1}');
    expect(box.take(later.frame, 0)).toBe(true);
    later.datagram.fill(0); // the receive buffer is reused for the next datagram
    expect(box.take(framed(0, '{"n":0}').frame, 0)).toBe(true);
    expect(got.map(text)).toEqual(['{"n":0}', '{"n":1}']);
    expect(got[1]!.buffer.byteLength).toBe(7);
  });

  it('the fragments of a message until the last arrives', () => {
    const { box, got } = inbox();
    const first = framed(0, '{"half":', { index: 0, count: 2, total: 14 });
    expect(box.take(first.frame, 0)).toBe(true);
    first.datagram.fill(0);
    expect(box.take(framed(0, '"one"}', { index: 1, count: 2, total: 14 }).frame, 0)).toBe(true);
    expect(got.map(text)).toEqual(['{"half":"one"}']);
  });
});

describe('Inbox and the reassembly reservations', () => {
  /** Message `seq` of `total` bytes as 1100-byte fragments on the ordered channel. */
  function fragmentsOf(seq: number, total: number): MsgFrame[] {
    const count = Math.ceil(total / 1100);
    return Array.from({ length: count }, (_, index) => ({ type: 4, channel: Channel.RELIABLE_ORDERED, deflate: false, seq, fragment: { index, count, total }, data: new Uint8Array(Math.min(1100, total - index * 1100)).fill(seq) }));
  }

  it('a fragment of an ordered message already started is taken while the ordered buffer is full, so the message holding the reservation completes', () => {
    const c = resolveConfig({ orderedBufferBytes: 70_000, reassembly: { ...DEFAULT_UDP_CONFIG.reassembly, perPeerBytes: 65_535 } });
    const got: number[] = [];
    const box = new Inbox(c, new ReassemblyBudget(64, 1 << 20), newCounters(), (data) => got.push(data[0]!), () => {}, () => false);
    const one = fragmentsOf(1, 60_000);
    expect(box.take(one[0]!, 0)).toBe(true); // 60,000 reserved; the buffer had room for it
    for (let seq = 2; seq < 12; seq++) expect(box.take({ type: 4, channel: Channel.RELIABLE_ORDERED, deflate: false, seq, fragment: null, data: new Uint8Array(1100).fill(seq) }, 0)).toBe(true);
    // Message 0 does not fit beside message 1's reservation; it comes again later.
    const zero = fragmentsOf(0, 10_000);
    expect(box.take(zero[0]!, 0)).toBe(false);
    // Message 1's other fragments: 11,000 buffered + 60,000 is over the buffer's 70,000, taken anyway.
    expect(one.slice(1).map((f) => box.take(f, 1))).toEqual(one.slice(1).map(() => true));
    expect(zero.map((f) => box.take(f, 2))).toEqual(zero.map(() => true));
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

// One sequence number sent both in fragments and whole (a buggy or compromised device): the whole
// message delivered, the fragments then completing it again once buffered it below the ordered
// channel's next number for good (outside its 1 MiB cap) and delivered it twice on the unordered one.
describe('Inbox and a number sent both fragmented and whole', () => {
  const FRAGMENTS = 60;
  const SIZE = 1000;

  function fragment(channel: MsgFrame['channel'], seq: number, index: number): MsgFrame {
    return { type: 4, channel, deflate: false, seq, fragment: { index, count: FRAGMENTS, total: FRAGMENTS * SIZE }, data: new Uint8Array(SIZE) };
  }

  /** All fragments but the last, the whole message, then the last fragment. */
  function mixed(channel: MsgFrame['channel'], seq: number): MsgFrame[] {
    const frames = Array.from({ length: FRAGMENTS - 1 }, (_, i) => fragment(channel, seq, i));
    frames.push({ type: 4, channel, deflate: false, seq, fragment: null, data: new Uint8Array(10) });
    frames.push(fragment(channel, seq, FRAGMENTS - 1));
    return frames;
  }

  function session() {
    const budget = new ReassemblyBudget(1024, 16 * 1024 * 1024);
    const counters = newCounters();
    const got: Uint8Array[] = [];
    const fatal: string[] = [];
    const box = new Inbox(resolveConfig(), budget, counters, (data) => got.push(data), (reason) => fatal.push(reason), () => false);
    const channels = box as unknown as { ordered: OrderedReceiver; unordered: UnorderedReceiver };
    return { box, budget, counters, got, fatal, channels };
  }

  for (const [name, channel] of [['ordered', Channel.RELIABLE_ORDERED], ['unordered', Channel.RELIABLE_UNORDERED]] as const) {
    it(`${name}: the whole message is a fragment mismatch: the session closes, nothing delivered or held`, () => {
      const s = session();
      // The peer takes no frame after a fatal one (it closes the session).
      for (const f of mixed(channel, 0)) {
        if (s.fatal.length) break;
        expect(s.box.take(f, 0)).toBe(true);
      }
      expect(s.fatal).toEqual(['protocol_error: fragment_mismatch']);
      expect(s.got).toEqual([]);
      expect(s.counters.reassemblyFailures).toBe(1);
      expect(s.budget).toMatchObject({ partials: 0, bytes: 0, held: 0 });
    });

    it(`${name}: 200 times over, even were the session to go on, nothing is delivered twice and memory stays within the caps`, () => {
      const s = session();
      for (let seq = 0; seq < 200; seq++) for (const f of mixed(channel, seq)) s.box.take(f, 0);
      // Once the reassembly caps are full of each round's lone last fragment, a first fragment is
      // refused and the whole message goes through alone: delivered (or held for its turn) once.
      expect(s.fatal.length).toBeGreaterThan(0);
      const c = resolveConfig();
      expect(s.budget.bytes).toBeLessThanOrEqual(c.reassembly.perPeerBytes);
      expect(s.channels.ordered.heldBytes).toBeLessThanOrEqual(c.orderedBufferBytes);
      expect(s.channels.unordered.heldNumbers).toBeLessThan(c.orderedWindow);
      expect(s.got.map((m) => m.length)).toEqual(s.got.map(() => 10)); // no fragmented copy after its whole one
      expect(s.counters.messagesReceived + (channel === Channel.RELIABLE_ORDERED ? s.channels.ordered.heldBytes / 10 : 0)).toBe(200 - s.fatal.length);
      s.box.clear();
      expect(s.budget).toMatchObject({ partials: 0, bytes: 0, held: 0 });
    });
  }
});
