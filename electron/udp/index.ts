/** The UDP transport (docs/PROTOCOL.md section 9). The broker plugs UdpTransport into its router. */
export { UdpTransport, type UdpEnvelope, type UdpGrant, type UdpSessionInfo, type UdpTransportOptions, type UdpDrops, type UdpDropReport, type UdpSourceDropReason } from './transport';
export { UdpClient, type UdpClientOptions } from './client';
export { bindUdp, receiveBufferNotice, SimulatedNetwork, type DatagramSocket, type LinkProfile } from './net';
export { DEFAULT_UDP_CONFIG, type UdpConfig } from './config';
export { tokenHash } from './crypto';
export { realClock, VirtualClock, type Clock } from './clock';
export type { UdpCounters } from './counters';
export type { ChannelName } from './peer';
