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

/** A scalar or nested value in a summary: bare words stay bare, other strings quoted, nesting in braces. */
function brief(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/+-]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(brief).join(', ')}]`;
  if (value && typeof value === 'object') return `{${pairs(value as Record<string, unknown>)}}`;
  return String(value);
}

function pairs(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .map(([k, v]) => `${k}=${brief(v)}`)
    .join(' ');
}

/** The envelope's keys before its `payload`, in a payload shortened in the log (not JSON any more). */
const CUT_ENVELOPE = /^\{\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*(?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null)\s*,\s*)*"payload"\s*:\s*/;

const previews = new WeakMap<TrafficRow, string>();

/**
 * What the log's Payload column shows: the message the frame carries, not its envelope
 * (`{"targetId":..,"payload":..}` in, `{"from":..,"payload":..}` out), as a summary:
 * `telemetry temp=21.4 hum=40`, `cmd=set relay=1 on=true`. A payload shortened in the log shows
 * its text from the inner payload on; anything not JSON (binary as hex) as it is. Display only:
 * the filter, the search and the exports use the stored payload, the detail pane the whole frame.
 */
export function payloadPreview(row: TrafficRow): string {
  let hit = previews.get(row);
  if (hit !== undefined) return hit;
  const { envelope, inner } = rowJson(row);
  if (envelope === undefined) {
    const cut = row.cut ? CUT_ENVELOPE.exec(row.payload) : null;
    hit = cut ? row.payload.slice(cut[0].length) : row.payload;
  } else if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
    const entries = Object.entries(inner);
    const [only] = entries;
    hit =
      entries.length === 0
        ? '{}'
        : entries.length === 1 && only![1] && typeof only![1] === 'object' && !Array.isArray(only![1])
          ? `${only![0]} ${pairs(only![1] as Record<string, unknown>)}`.trimEnd()
          : pairs(inner as Record<string, unknown>);
  } else {
    hit = brief(inner);
  }
  previews.set(row, hit);
  return hit;
}

/** The inner payload as compact JSON, for the Payload cell's tooltip (the summary drops the quotes). */
export function innerJsonText(row: TrafficRow): string | null {
  const { envelope, inner } = rowJson(row);
  return envelope === undefined ? null : JSON.stringify(inner);
}
