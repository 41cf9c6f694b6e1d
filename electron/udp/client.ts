import { Writable } from 'node:stream';
import { encodeDeviceEnvelope } from '../../shared/protocol/envelope';
import { type Clock, realClock } from './clock';
import { resolveConfig, type UdpConfig } from './config';
import { deriveDirectionKey, randomNonce } from './crypto';
import type { DatagramSocket } from './net';
import { type ChannelName, Peer } from './peer';
import { ReassemblyBudget } from './reassembly';
import type { SendDone } from './sender';

/**
 * The device end in TypeScript (tests, benchmarks, tools): what the firmware does in C++. It needs
 * what the TCP login reply gave it (session id, broker nonce, UDP port) and the token's hash.
 */
export interface UdpClientOptions {
  socket: DatagramSocket;
  host: string;
  port: number;
  sessionId: number;
  /** The broker nonce from the login reply, hex. */
  serverNonce: string;
  tokenHash: Uint8Array;
  onMessage?: (data: Uint8Array, channel: ChannelName) => void;
  onClose?: (reason: string) => void;
  config?: Partial<UdpConfig>;
  clock?: Clock;
  /** Tests only: start the packet numbers here. */
  firstPacketNumber?: number;
}

export class UdpClient {
  readonly peer: Peer;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly o: UdpClientOptions) {
    const config = resolveConfig(o.config);
    const deviceNonce = randomNonce();
    const serverNonce = Buffer.from(o.serverNonce, 'hex');
    const derive = (dir: 'd2s' | 's2d') => deriveDirectionKey(o.tokenHash, serverNonce, deviceNonce, o.sessionId, dir);
    o.socket.onMessage((data, from) => {
      if (from.port !== o.port || from.address !== o.host) return;
      this.peer.receiveDatagram(data);
    });
    this.peer = new Peer({
      sessionId: o.sessionId,
      sendKey: derive('d2s'),
      recvKey: derive('s2d'),
      helloNonce: deviceNonce,
      config,
      clock: o.clock ?? realClock,
      budget: new ReassemblyBudget(64, 4 * 1024 * 1024),
      transmit: (d) => o.socket.send(d, o.port, o.host),
      onMessage: (data, channel) => o.onMessage?.(data, channel),
      onClose: (reason) => {
        o.socket.close();
        for (const wake of this.drainWaiters.splice(0)) wake();
        o.onClose?.(reason);
      },
      onDrain: () => {
        for (const wake of this.drainWaiters.splice(0)) wake();
      },
      firstPacketNumber: o.firstPacketNumber,
    });
  }

  /** Sends {"targetId","payload"}; payloadJson must be a JSON object text. */
  send(targetId: string, payloadJson: string, channel: ChannelName = 'ordered', done?: SendDone): boolean {
    return this.peer.send(encodeDeviceEnvelope(targetId, payloadJson), channel, done);
  }

  /**
   * A writable stream over the reliable ordered channel: each chunk is one envelope's bytes, in
   * order, exactly once. write() returns false and 'drain' follows once the session has caught up.
   */
  stream(options: { highWaterMark?: number } = {}): Writable {
    const { peer } = this;
    const limit = peer.c.drainBytes;
    return new Writable({
      highWaterMark: options.highWaterMark ?? 64 * 1024,
      write: (chunk: Buffer, _enc, callback) => {
        if (peer.closed) return callback(new Error(peer.closed));
        if (!peer.send(chunk, 'ordered')) return callback(new Error('queue_full'));
        if (peer.pendingBytes <= limit) return callback();
        this.drainWaiters.push(() => callback(peer.closed ? new Error(peer.closed) : undefined));
      },
    });
  }

  close(): void {
    this.peer.close('closed_by_device');
  }
}
