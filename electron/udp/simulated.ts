import { VirtualClock } from './clock';
import { UdpClient } from './client';
import type { UdpConfig } from './config';
import { tokenHash } from './crypto';
import { type LinkProfile, SimulatedNetwork } from './net';
import type { ChannelName } from './peer';
import { type UdpEnvelope, UdpTransport } from './transport';

/**
 * A broker transport and one device on a simulated lossy network and a virtual clock: used by the
 * lossy-link tests and the benchmark shapes, so both measure the very same code.
 */
export const PERFECT_LINK: LinkProfile = { loss: 0, duplicate: 0, reorder: 0, delayMs: 1, jitterMs: 0 };

/** `deviceConfig`: the device's own settings where they differ from the broker's (`config`, both ends). */
export function simulatedSession(options: { profile?: LinkProfile; seed?: number; config?: Partial<UdpConfig>; deviceConfig?: Partial<UdpConfig>; deviceId?: string } = {}) {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork(clock, options.profile ?? PERFECT_LINK, options.seed ?? 1);
  const atBroker: UdpEnvelope[] = [];
  const atDevice: { data: Uint8Array; channel: ChannelName }[] = [];
  const transport = new UdpTransport({ socket: net.socket('10.0.0.1', 8080), onEnvelope: (e) => atBroker.push(e), clock, config: options.config });
  const hash = tokenHash('device-token-0123456789abcdef');
  const deviceId = options.deviceId ?? 'dev-1';
  const grant = transport.openSession(deviceId, hash)!;
  const closes: string[] = [];
  const client = new UdpClient({
    socket: net.socket('10.0.0.2', 40000),
    host: '10.0.0.1',
    port: grant.port,
    sessionId: grant.sessionId,
    serverNonce: grant.nonce,
    tokenHash: hash,
    clock,
    config: { ...options.config, ...options.deviceConfig },
    onMessage: (data, channel) => atDevice.push({ data, channel }),
    onClose: (reason) => closes.push(reason),
  });
  return { clock, net, transport, client, atBroker, atDevice, grant, hash, deviceId, closes };
}
