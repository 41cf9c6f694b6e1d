import { inflateRawSync } from 'node:zlib';
import { Channel, type ChannelCode, type MsgFrame } from '../../shared/protocol/udp/frames';
import type { UdpConfig } from './config';
import type { UdpCounters } from './counters';
import type { ChannelName } from './peer';
import { copyOf, type ReassemblyBudget, Reassembler } from './reassembly';
import { OrderedReceiver, UnorderedReceiver, UnreliableReceiver } from './receive-channels';

const channelName: ChannelName[] = ['unreliable', 'ordered', 'unordered'];

/**
 * The receiving half of a session: duplicate and stale filtering per channel, bounded reassembly,
 * inflation, and in-order delivery. It answers whether a message could be taken: a refused one
 * leaves its packet unacknowledged, so a reliable sender retransmits it.
 */
export class Inbox {
  private readonly reassembler: Reassembler;
  private readonly ordered: OrderedReceiver;
  private readonly unordered: UnorderedReceiver;
  private readonly unreliable = new UnreliableReceiver();

  constructor(
    private readonly c: UdpConfig,
    budget: ReassemblyBudget,
    private readonly counters: UdpCounters,
    private readonly onMessage: (data: Uint8Array, channel: ChannelName) => void,
    private readonly onFatal: (reason: string) => void,
    private readonly isClosed: () => boolean,
  ) {
    // An unreliable partial that gave way to a newer one is a lost message.
    this.reassembler = new Reassembler(c.reassembly, budget, () => this.counters.reassemblyFailures++);
    this.ordered = new OrderedReceiver(c.orderedWindow, c.orderedBufferBytes);
    this.unordered = new UnorderedReceiver(c.orderedWindow);
  }

  /** Drops expired partials; false when the session must end (a reliable partial can never complete). */
  expire(now: number): boolean {
    const expired = this.reassembler.expire(now);
    this.counters.reassemblyFailures += expired.length;
    // Its fragments were already acknowledged, so the sender will not send them again.
    if (!expired.some((key) => key >= 0x100000000)) return true;
    this.onFatal('protocol_error: reassembly_timeout');
    return false;
  }

  clear(): void {
    this.reassembler.clear();
  }

  /** Returns false when the message must be refused (not acknowledged) for now. */
  take(f: MsgFrame, now: number): boolean {
    const key = f.channel * 0x100000000 + f.seq;
    // One sequence number sent both whole and in fragments is a message that disagrees with itself:
    // the same outcome as fragments that disagree with their siblings.
    if (!f.fragment && this.reassembler.has(key)) {
      this.reassembler.drop(key);
      return this.lostMessage(f.channel, 'fragment_mismatch');
    }
    // A fragment of a partial already admitted is always taken: the window and the buffer let the
    // message in when its first fragment came, and its bytes are inside its reassembly reservation.
    // Refusing it could leave the message unfinished for good, holding its reservation.
    if (!(f.fragment && this.reassembler.has(key))) {
      const verdict = this.screen(f);
      if (verdict !== null) return verdict;
    }
    let data = f.data;
    let deflate = f.deflate;
    if (f.fragment) {
      const unreliable = f.channel === Channel.UNRELIABLE;
      const r = this.reassembler.add({ key, unreliable, ...f.fragment, deflate: f.deflate, data: f.data }, now);
      if (r.kind === 'partial') return true;
      if (r.kind === 'refused') {
        this.counters.reassemblyRefused++;
        if (unreliable) this.counters.reassemblyFailures++;
        return unreliable;
      }
      if (r.kind === 'dropped') return this.lostMessage(f.channel, r.reason);
      data = r.data;
      deflate = r.deflate;
    } else {
      data = copyOf(data);
    }
    if (deflate) {
      try {
        data = inflateRawSync(data, { maxOutputLength: this.c.maxMessageBytes });
      } catch {
        return this.lostMessage(f.channel, 'inflate_failed');
      }
    }
    this.deliver(f.channel, f.seq, data);
    return true;
  }

  /** A new message: true when it is done with (duplicate or stale), false to refuse it for now, null to take it. */
  private screen(f: MsgFrame): boolean | null {
    const size = f.fragment ? f.fragment.total : f.data.length;
    if (f.channel === Channel.UNRELIABLE) {
      if (!this.unreliable.isStale(f.seq)) return null;
      this.counters.stale++;
      return true;
    }
    if (f.channel === Channel.RELIABLE_ORDERED ? this.ordered.isDuplicate(f.seq) : this.unordered.isDuplicate(f.seq)) {
      this.counters.duplicates++;
      return true;
    }
    return (f.channel === Channel.RELIABLE_ORDERED ? this.ordered.canTake(f.seq, size) : this.unordered.canTake(f.seq)) ? null : false;
  }

  /** An authenticated peer sent a message that cannot be rebuilt: counted; fatal on reliable channels. */
  private lostMessage(channel: ChannelCode, reason: string): boolean {
    this.counters.reassemblyFailures++;
    if (channel !== Channel.UNRELIABLE) this.onFatal(`protocol_error: ${reason}`);
    return true;
  }

  private deliver(channel: ChannelCode, seq: number, data: Uint8Array): void {
    const name = channelName[channel]!;
    if (channel === Channel.UNRELIABLE) {
      if (this.unreliable.isStale(seq)) return void this.counters.stale++;
      this.unreliable.accept(seq);
      this.counters.messagesReceived++;
      return this.onMessage(data, name);
    }
    // A reliable message taken already (screened as new, yet its number came another way too) is
    // a duplicate: delivered once, never held again.
    if (channel === Channel.RELIABLE_UNORDERED) {
      if (!this.unordered.accept(seq)) return void this.counters.duplicates++;
      this.counters.messagesReceived++;
      return this.onMessage(data, name);
    }
    const ready = this.ordered.push(seq, data);
    if (!ready) return void this.counters.duplicates++;
    for (const m of ready) {
      this.counters.messagesReceived++;
      this.onMessage(m, name);
      if (this.isClosed()) return;
    }
  }
}
