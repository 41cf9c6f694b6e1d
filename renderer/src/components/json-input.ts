/** Largest payload the host accepts from the UI (JsonObject in the contract). */
export const MAX_PAYLOAD_CHARS = 16_384;

export type JsonCheck = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** Validates editor text as a JSON object payload, with a message a user can act on. */
export function checkJsonObject(text: string): JsonCheck {
  if (text.trim() === '') return { ok: false, error: 'Write a JSON object, e.g. {"cmd":"ping"}' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'The payload must be a JSON object {…}, not an array or a plain value' };
  const size = JSON.stringify(value).length;
  if (size > MAX_PAYLOAD_CHARS) return { ok: false, error: `Payload is ${size} bytes; the limit is ${MAX_PAYLOAD_CHARS}` };
  return { ok: true, value: value as Record<string, unknown> };
}
