import { createSocket, type Socket } from 'node:dgram';
import type { Clock } from './clock';

/** The little a UDP endpoint needs from a socket; a real dgram socket or a simulated lossy link. */
export interface DatagramSocket {
  send(data: Uint8Array, port: number, address: string): void;
  onMessage(handler: (data: Uint8Array, from: { address: string; port: number }) => void): void;
  local(): { address: string; port: number };
  /** Nothing more is received or sent; what was sent before still leaves (a real socket waits for it, briefly). */
  close(): void;
  /** The kernel's receive buffer for the socket, in bytes as the OS reports it (a real socket only). */
  receiveBuffer?(): number;
}

/** The receive buffer bindUdp asks for: a full window of datagrams from every peer. */
export const UDP_RECEIVE_BUFFER = 2 * 1024 * 1024;

/**
 * What to tell the user when the kernel gave the socket less receive buffer than asked (Linux caps
 * it at net.core.rmem_max, 208 KiB on many systems, without an error; it reports twice what it
 * keeps, so a granted 2 MiB reads as 4 MiB), or null. A short buffer drops bursts from many devices
 * before the session layer sees them: they are resent, but late.
 */
export function receiveBufferNotice(reported: number): string | null {
  if (!(reported > 0) || reported >= UDP_RECEIVE_BUFFER) return null;
  const kib = Math.round((process.platform === 'linux' ? reported / 2 : reported) / 1024);
  const fix = process.platform === 'linux' ? ': raise net.core.rmem_max (sudo sysctl -w net.core.rmem_max=4194304)' : '';
  return `UDP receive buffer is ${kib} KiB, not the ${UDP_RECEIVE_BUFFER / 1024 / 1024} MiB asked for; bursts from many devices may be dropped and resent late${fix}`;
}

/** The longest a closing socket waits for its last sends (a slow name lookup), so a close never hangs. */
export const CLOSE_FLUSH_MS = 200;

export async function bindUdp(port: number, host = '127.0.0.1'): Promise<DatagramSocket> {
  const socket: Socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // Room for a full window of datagrams from every peer; the kernel caps these at rmem/wmem_max.
  try {
    socket.setRecvBufferSize(UDP_RECEIVE_BUFFER);
    socket.setSendBufferSize(1024 * 1024);
  } catch {
    // Not fatal: a smaller buffer only means more losses, which the session layer recovers.
  }
  // Send errors (ICMP unreachable, buffer full) are UDP's normal losses; the session layer copes.
  socket.on('error', () => {});
  // dgram's send is asynchronous (an address lookup first, even for an IP): a socket closed at once
  // drops what was just sent, such as a session's CLOSE. So close waits for the sends on their way.
  let sending = 0;
  let state: 'open' | 'closing' | 'closed' = 'open';
  let flushTimer: NodeJS.Timeout | undefined;
  const finishClose = () => {
    if (state === 'closed') return;
    state = 'closed';
    clearTimeout(flushTimer);
    socket.close();
  };
  const sent = () => {
    if (--sending === 0 && state === 'closing') finishClose();
  };
  return {
    send: (data, p, address) => {
      if (state !== 'open') return;
      socket.send(data, p, address, sent);
      sending++;
    },
    onMessage: (handler) => socket.on('message', (msg, rinfo) => handler(msg, { address: rinfo.address, port: rinfo.port })),
    local: () => socket.address(),
    close: () => {
      if (state !== 'open') return;
      socket.removeAllListeners('message');
      if (sending === 0) return finishClose();
      state = 'closing';
      flushTimer = setTimeout(finishClose, CLOSE_FLUSH_MS).unref();
    },
    receiveBuffer: () => socket.getRecvBufferSize(),
  };
}

export interface LinkProfile {
  loss: number;
  duplicate: number;
  /** Share of datagrams held back by an extra delay, so they arrive after later ones. */
  reorder: number;
  delayMs: number;
  jitterMs: number;
}

/** mulberry32: small, fast, seeded; good enough to make a lossy link reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An in-process network on a clock: every datagram may be dropped, duplicated, delayed or
 * reordered, decided by one seeded generator so a failing run can be replayed exactly.
 */
export class SimulatedNetwork {
  private handlers = new Map<string, (data: Uint8Array, from: { address: string; port: number }) => void>();
  private random: () => number;
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    public profile: LinkProfile,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  socket(address: string, port: number): DatagramSocket {
    const key = `${address}:${port}`;
    return {
      send: (data, p, to) => this.carry(Uint8Array.from(data), { address, port }, `${to}:${p}`),
      onMessage: (handler) => void this.handlers.set(key, handler),
      local: () => ({ address, port }),
      close: () => void this.handlers.delete(key),
    };
  }

  /** Injects a datagram as if it came from `from` (attack tests). */
  inject(data: Uint8Array, from: { address: string; port: number }, to: string): void {
    this.handlers.get(to)?.(data, from);
  }

  private carry(data: Uint8Array, from: { address: string; port: number }, to: string): void {
    const p = this.profile;
    if (this.random() < p.loss) {
      this.dropped++;
      return;
    }
    const copies = this.random() < p.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = p.delayMs + this.random() * p.jitterMs;
      if (this.random() < p.reorder) delay += p.delayMs * 2 + 5;
      this.clock.after(delay, () => {
        this.delivered++;
        this.handlers.get(to)?.(data, from);
      });
    }
  }
}

/** A userspace UDP proxy on 127.0.0.1 that drops a seeded share of datagrams both ways (tests). */
export async function lossyProxy(target: number, loss: number, seed: number): Promise<DatagramSocket> {
  const proxy = await bindUdp(0);
  const random = seededRandom(seed);
  let client: { address: string; port: number } | null = null;
  proxy.onMessage((data, from) => {
    const fromTarget = from.port === target;
    if (!fromTarget) client = from;
    if (random() < loss) return;
    if (fromTarget && client) proxy.send(data, client.port, client.address);
    else if (!fromTarget) proxy.send(data, target, '127.0.0.1');
  });
  return proxy;
}
