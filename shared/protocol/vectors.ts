/** Reads the golden vector file (vectors.txt), shared with the firmware's C++ tests. */

export interface Vector {
  kind: 'frame' | 'envelope';
  name: string;
  bytes: Uint8Array;
  expect: string;
  note: string;
  line: number;
}

export function parseVectors(text: string): Vector[] {
  const out: Vector[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split('|').map((p) => p.trim());
    if (parts.length < 4) throw new Error(`vectors.txt:${index + 1}: expected 'kind | name | hex | expect | note'`);
    const [kind, name, hex, expect] = parts as [string, string, string, string];
    if (kind !== 'frame' && kind !== 'envelope') throw new Error(`vectors.txt:${index + 1}: unknown kind ${kind}`);
    out.push({ kind, name, bytes: hexToBytes(hex), expect, note: parts.slice(4).join('|'), line: index + 1 });
  });
  return out;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex === '-') return new Uint8Array(0);
  const parts = hex.split(/\s+/);
  return Uint8Array.from(parts, (h) => {
    if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new Error(`bad hex byte '${h}'`);
    return parseInt(h, 16);
  });
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** Parses "ok type=30 id=7 len=12" style expectations into a map. */
export function parseExpectation(expect: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const token of expect.split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq < 0) fields[token] = '';
    else fields[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return fields;
}
