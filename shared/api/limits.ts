// What the UI checks input against, as plain data: contract.ts builds its schemas from these, so
// the UI and the host cannot disagree, and the schema library stays out of the UI's bundle (the
// layering lint keeps the renderer to type imports of contract.ts).

/** A device id: what the firmware logs in as and every API call names. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const DEVICE_ID_RULE = 'device ids use 1-64 of A-Z a-z 0-9 _ . : -';
/** Targets of the protocol itself: a device named so would pass for the panel, or never be reached. */
export const RESERVED_DEVICE_IDS: readonly string[] = ['server', 'broadcast'];
export const RESERVED_DEVICE_ID_RULE = '"server" and "broadcast" are the protocol\'s own targets, not device ids';

/** The whole-number settings' ranges (Settings in contract.ts). */
export const SETTINGS_NUMBER_LIMITS = {
  tcpPort: { min: 0, max: 65535 },
  udpPort: { min: 0, max: 65535 },
  tlsPort: { min: 0, max: 65535 },
  maxPayload: { min: 64, max: 65535 },
  keepaliveSeconds: { min: 1, max: 3600 },
  rateLimitPerSecond: { min: 1, max: 1_000_000 },
  /** Broadcasts per second a device may send (each reaches every other device; its burst is twice this). */
  broadcastLimitPerSecond: { min: 1, max: 1_000_000 },
  /** Device connections one source address may hold (loopback is exempt: the simulator runs there). */
  connectionsPerAddress: { min: 1, max: 100_000 },
  retentionDays: { min: 1, max: 3650 },
  retentionMegabytes: { min: 1, max: 100_000 },
  offlineGraceSeconds: { min: 0, max: 3600 },
} as const;
export type SettingsNumberKey = keyof typeof SETTINGS_NUMBER_LIMITS;

/**
 * What a live telemetry chart holds: points per channel, at most one per spacingMs, for a device's
 * first `channels` channels. The renderer's live history and the host's telemetry.recent share it.
 */
export const LIVE_TELEMETRY = { points: 120, spacingMs: 1000, channels: 12 } as const;
