/** Bytes shown in the hex pane; the rest is announced, never silently cut. */
export const HEX_MAX_BYTES = 4096;

export function hexDump(bytes: Uint8Array, max = HEX_MAX_BYTES): { lines: string[]; hidden: number } {
  const lines: string[] = [];
  const n = Math.min(bytes.length, max);
  for (let off = 0; off < n; off += 16) {
    const chunk = bytes.subarray(off, Math.min(off + 16, n));
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return { lines, hidden: bytes.length - n };
}

/** The row payload's bytes: hex text for binary payloads, UTF-8 for JSON text. */
export function payloadBytes(payload: string): Uint8Array {
  if (/^([0-9a-f]{2})+$/i.test(payload) && !payload.startsWith('{')) {
    const out = new Uint8Array(payload.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(payload.slice(i * 2, i * 2 + 2), 16);
    return out;
  }
  return new TextEncoder().encode(payload);
}
