import { z } from 'zod';
import { ABSOLUTE_MAX_PAYLOAD, PROTOCOL_VERSION } from './constants';

/** What a v2 device says it is, so the panel can draw its controls and telemetry by itself. */
export const ControlKind = z.enum(['relay', 'switch', 'button', 'slider', 'select']);
export const ControlDescription = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/),
  kind: ControlKind,
  label: z.string().max(64).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  options: z.array(z.string().max(32)).max(16).optional(),
});
export const TelemetryDescription = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/),
  label: z.string().max(64).optional(),
  unit: z.string().max(16).optional(),
});
export const DeviceDescription = z.strictObject({
  name: z.string().max(64).optional(),
  fw: z.string().max(32).optional(),
  board: z.string().max(32).optional(),
  controls: z.array(ControlDescription).max(32).default([]),
  telemetry: z.array(TelemetryDescription).max(32).default([]),
});
export type ControlDescription = z.infer<typeof ControlDescription>;
export type TelemetryDescription = z.infer<typeof TelemetryDescription>;
export type DeviceDescription = z.infer<typeof DeviceDescription>;

/** The smallest receive limit a v2 LOGIN may announce (the firmware's smallest HYPERTCP_RX_BUFFER_SIZE). */
export const MIN_DEVICE_MAX_PAYLOAD = 64;

const V2Login = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  token: z.string().min(1).max(128),
  device: DeviceDescription.default({ controls: [], telemetry: [] }),
  udp: z.boolean().optional(),
  /** The largest payload the device can receive (its receive buffer): the broker refuses bigger deliveries to it. */
  maxPayload: z.number().int().min(MIN_DEVICE_MAX_PAYLOAD).max(ABSOLUTE_MAX_PAYLOAD).optional(),
});

export type LoginRequest =
  | { kind: 'legacy'; token: string }
  /** maxPayload: the device's receive limit, null when its LOGIN did not say (the broker's limit applies). */
  | { kind: 'v2'; version: number; token: string; device: DeviceDescription; udp: boolean; maxPayload: number | null };

export type LoginParseError = { code: 'empty' | 'malformed' | 'unsupported_version'; message: string };

const MAX_LEGACY_TOKEN = 128;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A LOGIN payload that starts with '{' is v2 JSON; anything else is a legacy raw token.
 * Never throws.
 */
export function parseLogin(payload: Uint8Array): { ok: true; value: LoginRequest } | { ok: false; error: LoginParseError } {
  if (payload.length === 0) return { ok: false, error: { code: 'empty', message: 'LOGIN without a token' } };
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, error: { code: 'malformed', message: 'LOGIN payload is not UTF-8' } };
  }
  if (payload[0] !== 0x7b) {
    if (payload.length > MAX_LEGACY_TOKEN || payload.some((b) => b <= 0x20 || b === 0x7f)) {
      return { ok: false, error: { code: 'malformed', message: 'legacy token has bad length or characters' } };
    }
    return { ok: true, value: { kind: 'legacy', token: text } };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: 'malformed', message: 'v2 LOGIN is not valid JSON' } };
  }
  // The version first: a newer device may send keys this version does not know, and must learn
  // that its version is the problem (UNSUPPORTED_VERSION), not that its login is malformed.
  const version = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { v?: unknown }).v : undefined;
  if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
    return { ok: false, error: { code: 'unsupported_version', message: `protocol version ${version} is not supported` } };
  }
  const parsed = V2Login.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: { code: 'malformed', message: `v2 LOGIN: ${issue?.path.join('.') || 'body'}: ${issue?.message}` } };
  }
  const { v, token, device, udp, maxPayload } = parsed.data;
  return { ok: true, value: { kind: 'v2', version: v, token, device, udp: udp ?? false, maxPayload: maxPayload ?? null } };
}

export interface LoginReply {
  /** The device id the broker knows this token by. */
  id: string;
  /** Seconds between broker pings when the session is quiet. */
  keepalive: number;
  maxPayload: number;
}
