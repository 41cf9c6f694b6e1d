/** Wire constants of HyperTCP. Normative source: docs/PROTOCOL.md. */

export const HEADER_SIZE = 5;
/** The largest payload the 16-bit length field can carry. */
export const ABSOLUTE_MAX_PAYLOAD = 0xffff;
/** Default limit the broker enforces; configurable, never above ABSOLUTE_MAX_PAYLOAD. */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024;

export const Command = {
  RESPONSE: 0,
  PING: 6,
  LOGIN: 29,
  JSON_MESSAGE: 30,
  REDIRECT: 41,
  BROADCAST: 50,
} as const;
export type CommandName = keyof typeof Command;
export type CommandCode = (typeof Command)[CommandName];

const commandNames = new Map<number, CommandName>(
  (Object.keys(Command) as CommandName[]).map((name) => [Command[name], name]),
);

export function isKnownCommand(type: number): type is CommandCode {
  return commandNames.has(type);
}

export function commandName(type: number): string {
  return commandNames.get(type) ?? `UNKNOWN_${type}`;
}

/**
 * Status bytes carried in a RESPONSE payload. SUCCESS, NOT_AUTHENTICATED, INVALID_TOKEN and TIMEOUT
 * are the seed firmware's; the rest are v2-only and never sent to a legacy session.
 */
export const Status = {
  RATE_LIMITED: 1,
  ILLEGAL_COMMAND: 2,
  NOT_AUTHENTICATED: 5,
  NOT_ALLOWED: 6,
  TARGET_OFFLINE: 7,
  INVALID_TOKEN: 9,
  MALFORMED: 11,
  TARGET_UNKNOWN: 12,
  PAYLOAD_TOO_LARGE: 13,
  QUEUE_FULL: 14,
  TIMEOUT: 16,
  SERVER_ERROR: 19,
  UNSUPPORTED_VERSION: 20,
  SUCCESS: 200,
} as const;
export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

const statusNames = new Map<number, StatusName>(
  (Object.keys(Status) as StatusName[]).map((name) => [Status[name], name]),
);

export function statusName(code: number): string {
  return statusNames.get(code) ?? `STATUS_${code}`;
}

/** Reserved target ids in a device envelope. */
export const SERVER_ID = 'server';
export const BROADCAST_ID = 'broadcast';
/** Device ids: 1-64 characters of [A-Za-z0-9_.:-]. Chosen so an id never needs JSON escaping. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const MAX_DEVICE_ID_LENGTH = 64;

export const PROTOCOL_VERSION = 2;
