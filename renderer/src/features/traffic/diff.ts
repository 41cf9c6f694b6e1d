export interface DiffEntry {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const MAX_DIFF_ENTRIES = 500;

/** Leaf-level differences between two JSON values, bounded. */
export function diffJson(before: unknown, after: unknown, path = '', out: DiffEntry[] = []): DiffEntry[] {
  if (out.length >= MAX_DIFF_ENTRIES) return out;
  const bothObjects = before !== null && after !== null && typeof before === 'object' && typeof after === 'object' && Array.isArray(before) === Array.isArray(after);
  if (!bothObjects) {
    if (!Object.is(before, after) && JSON.stringify(before) !== JSON.stringify(after)) {
      if (before === undefined) out.push({ path, kind: 'added', after });
      else if (after === undefined) out.push({ path, kind: 'removed', before });
      else out.push({ path, kind: 'changed', before, after });
    }
    return out;
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  for (const k of keys) {
    const sub = path ? `${path}.${k}` : k;
    const hasB = Object.prototype.hasOwnProperty.call(b, k);
    const hasA = Object.prototype.hasOwnProperty.call(a, k);
    diffJson(hasB ? b[k] : undefined, hasA ? a[k] : undefined, sub, out);
    if (out.length >= MAX_DIFF_ENTRIES) break;
  }
  return out;
}
