import type { ConversationStats } from '../../shared/api/contract';
import { Command, SERVER_ID } from '../../shared/protocol/constants';
import { parseDeviceEnvelope, targetIdCache } from '../../shared/protocol/envelope';
import type { BrokerFrameEvent } from './broker-port';

/** Seconds the recent rate looks back over. */
export const RATE_SECONDS = 10;
export const MAX_CONVERSATIONS = 1000;

/** One (from, to) pair with its counts as the API answers them; also a node of the least-recently-seen list. */
interface Pair extends Omit<ConversationStats, 'msgsPerSecond'> {
  /** [0, RATE_SECONDS): the epoch second each slot counts; [RATE_SECONDS, 2 * RATE_SECONDS): its messages. */
  ring: Float64Array;
  older: Pair | null;
  newer: Pair | null;
}

/**
 * Who talks to whom (Wireshark's "Conversations"): per (from, to) pair of routed messages, counted
 * once per message. A device's message counts at its 'in' frame (its deliveries are the same
 * message); the app's own messages as "server" have no 'in' frame and count at their 'out' one.
 * Pings, logins and acks have no target and are not conversations.
 *
 * Bounded: at most `maxPairs`, the least recently seen evicted. Pairs are found through nested
 * maps (from, then to), so a known pair costs two lookups and no key string per frame.
 */
export class Conversations {
  private readonly byFrom = new Map<string, Map<string, Pair>>();
  private oldest: Pair | null = null;
  private newest: Pair | null = null;
  private count = 0;
  /** Pairs evicted to stay within maxPairs since this start. */
  evicted = 0;
  /** The last target read from an envelope: a repeated one costs a byte comparison (as in the broker). */
  private readonly targets = targetIdCache();

  constructor(readonly maxPairs = MAX_CONVERSATIONS) {}

  get size(): number {
    return this.count;
  }

  /** Hot path: one frame from Hub.onFrame. */
  frame(ev: BrokerFrameEvent, isError: boolean): void {
    if ((ev.cmd !== Command.JSON_MESSAGE && ev.cmd !== Command.BROADCAST) || ev.from === null) return;
    const to = this.targetOf(ev);
    if (to !== null) this.add(ev.from, to, ev.size, isError, ev.ts);
  }

  /** The message's target as the traffic rows show it, or null when this frame does not count. */
  private targetOf(ev: BrokerFrameEvent): string | null {
    if (ev.dir === 'out') return ev.from === SERVER_ID ? ev.to : null;
    // the broker names the target it read ('broadcast' for a BROADCAST frame)
    if (ev.to !== null) return ev.to;
    // a TCP message refused by the rate limit was not read: its envelope still names the target
    const env = parseDeviceEnvelope(ev.payload, this.targets);
    return env.ok ? env.value.targetId : null;
  }

  add(from: string, to: string, bytes: number, isError: boolean, ts: number): void {
    let p = this.byFrom.get(from)?.get(to);
    if (!p) {
      // evict first: it may empty (and drop) the map of this very sender
      if (this.count >= this.maxPairs && this.oldest) {
        this.remove(this.oldest);
        this.evicted++;
      }
      let tos = this.byFrom.get(from);
      if (!tos) this.byFrom.set(from, (tos = new Map()));
      p = { from, to, messages: 0, bytes: 0, errors: 0, firstTs: ts, lastTs: ts, ring: new Float64Array(2 * RATE_SECONDS), older: null, newer: null };
      tos.set(to, p);
      this.count++;
      this.append(p);
    } else if (p !== this.newest) {
      this.unlink(p);
      this.append(p);
    }
    p.messages++;
    p.bytes += bytes;
    if (isError) p.errors++;
    if (ts > p.lastTs) p.lastTs = ts;
    const sec = Math.floor(ts / 1000);
    const slot = sec % RATE_SECONDS;
    if (p.ring[slot] !== sec) {
      p.ring[slot] = sec;
      p.ring[RATE_SECONDS + slot] = 0;
    }
    p.ring[RATE_SECONDS + slot]!++;
  }

  /** Drops every pair the device is part of (forgotten devices leave the table); returns how many. */
  forget(device: string): number {
    let dropped = 0;
    for (let p = this.oldest; p; ) {
      const next = p.newer;
      if (p.from === device || p.to === device) {
        this.remove(p);
        dropped++;
      }
      p = next;
    }
    return dropped;
  }

  /** The busiest pairs first (messages, then the most recently seen). */
  list(limit: number, nowMs = Date.now()): ConversationStats[] {
    const pairs: Pair[] = [];
    // newest first, so the stable sort puts the most recently seen first among equals
    for (let p = this.newest; p; p = p.older) pairs.push(p);
    pairs.sort((a, b) => b.messages - a.messages);
    return pairs.slice(0, limit).map((p) => ({
      from: p.from, to: p.to, messages: p.messages, bytes: p.bytes, errors: p.errors,
      firstTs: p.firstTs, lastTs: p.lastTs, msgsPerSecond: rate(p.ring, Math.floor(nowMs / 1000)),
    }));
  }

  private remove(p: Pair): void {
    this.unlink(p);
    const tos = this.byFrom.get(p.from);
    tos?.delete(p.to);
    if (tos?.size === 0) this.byFrom.delete(p.from);
    this.count--;
  }

  private append(p: Pair): void {
    p.older = this.newest;
    p.newer = null;
    if (this.newest) this.newest.newer = p;
    else this.oldest = p;
    this.newest = p;
  }

  private unlink(p: Pair): void {
    if (p.older) p.older.newer = p.newer;
    else this.oldest = p.newer;
    if (p.newer) p.newer.older = p.older;
    else this.newest = p.older;
    p.older = p.newer = null;
  }
}

/** Messages per second over the last RATE_SECONDS seconds up to nowSec (the current one included). */
function rate(ring: Float64Array, nowSec: number): number {
  let n = 0;
  for (let i = 0; i < RATE_SECONDS; i++) {
    const sec = ring[i]!;
    if (sec > nowSec - RATE_SECONDS && sec <= nowSec) n += ring[RATE_SECONDS + i]!;
  }
  return n / RATE_SECONDS;
}
