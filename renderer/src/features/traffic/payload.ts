import type { TrafficRow } from '../../../../shared/api/contract';

const parsed = new WeakMap<TrafficRow, { envelope: unknown; inner: unknown }>();

/** The row's JSON: the envelope and its inner `payload` (or the whole thing); parsed once per row. */
export function rowJson(row: TrafficRow): { envelope: unknown; inner: unknown } {
  let hit = parsed.get(row);
  if (hit) return hit;
  let envelope: unknown = undefined;
  const text = row.payload;
  if (!row.cut && (text.startsWith('{') || text.startsWith('['))) {
    try {
      envelope = JSON.parse(text);
    } catch {
      envelope = undefined;
    }
  }
  const inner = envelope && typeof envelope === 'object' && 'payload' in envelope ? (envelope as { payload: unknown }).payload : envelope;
  hit = { envelope, inner };
  parsed.set(row, hit);
  return hit;
}

/** "Kind" of a message for the diff: direction, command and the inner payload's first key (state, telemetry, cmd...). */
export function messageKind(row: TrafficRow): string {
  const { inner } = rowJson(row);
  const first = inner && typeof inner === 'object' && !Array.isArray(inner) ? (Object.keys(inner)[0] ?? '') : '';
  const sub = first === 'cmd' ? `cmd=${String((inner as Record<string, unknown>).cmd)}` : first;
  return `${row.dir}|${row.cmd}|${sub}`;
}

/** The previous row of the same device and kind, searching the loaded window backwards. */
export function previousOfKind(rows: TrafficRow[], row: TrafficRow): TrafficRow | null {
  const kind = messageKind(row);
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (r.seq >= row.seq || r.device !== row.device) continue;
    if (messageKind(r) === kind) return r;
  }
  return null;
}

/** A device's envelope names its target; used when the log row has no `to`. */
export function targetOf(row: TrafficRow): string {
  const env = rowJson(row).envelope as { targetId?: unknown } | undefined;
  return typeof env?.targetId === 'string' ? env.targetId : '-';
}
