import type { UdpEnvelope, UdpGrant } from '../udp/transport';

/**
 * The part of the UDP transport (electron/udp, PROTOCOL.md section 9) the broker uses. Whoever
 * creates the UdpTransport owns it (binds and closes it); the broker only plugs into it.
 */
export interface UdpSeam {
  attachRouter(router: (e: UdpEnvelope) => void): void;
  /** Told when a device's UDP session ends, whoever ended it (the broker's own closeSession too). */
  attachSessionEnd(listener: (deviceId: string, sessionId: number) => void): void;
  openSession(deviceId: string, tokenHash: Uint8Array): UdpGrant | null;
  closeSession(deviceId: string, reason: string): boolean;
  /**
   * False: not taken (the caller sends by TCP). `done` hears how it ended; an error whose `unsent` is
   * true means it never left (its session closed first), so the device cannot have it.
   */
  deliver(deviceId: string, from: string, payload: Uint8Array, channel?: 'ordered', done?: (error: (Error & { unsent?: boolean }) | null) => void): boolean;
}

export type { UdpEnvelope, UdpGrant };
