import { hexToBytes } from '../vectors';

/** Reads udp-vectors.txt (same line format as vectors.txt, kinds udpkey | datagram | frames). */
export interface UdpVector {
  kind: 'udpkey' | 'datagram' | 'frames';
  name: string;
  bytes: Uint8Array;
  expect: string;
  note: string;
  line: number;
}

const KINDS = new Set(['udpkey', 'datagram', 'frames']);

export function parseUdpVectors(text: string): UdpVector[] {
  const out: UdpVector[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split('|').map((p) => p.trim());
    if (parts.length < 4) throw new Error(`udp-vectors.txt:${index + 1}: expected 'kind | name | hex | expect | note'`);
    const [kind, name, hex, expect] = parts as [string, string, string, string];
    if (!KINDS.has(kind)) throw new Error(`udp-vectors.txt:${index + 1}: unknown kind ${kind}`);
    out.push({ kind: kind as UdpVector['kind'], name, bytes: hexToBytes(hex), expect, note: parts.slice(4).join('|'), line: index + 1 });
  });
  return out;
}
