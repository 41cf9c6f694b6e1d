/**
 * Draws the app icon (a hub with three linked devices) and writes the PNG set electron-builder and
 * the tray use, and the web panel's tab icon. No image libraries: a tiny PNG encoder over node:zlib. Run: npx tsx build/generate-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
const BG: Rgba = [17, 24, 39, 255];
const TEAL: Rgba = [20, 184, 166, 255];
const LIGHT: Rgba = [204, 251, 241, 255];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(size: number, pixels: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(pixels.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Colour at a point of the unit square (0..1), or null for transparent. */
function shade(x: number, y: number, background: boolean): Rgba | null {
  const nodes = [-90, 30, 150].map((deg) => [0.5 + 0.29 * Math.cos((deg * Math.PI) / 180), 0.53 + 0.29 * Math.sin((deg * Math.PI) / 180)] as const);
  const cx = 0.5;
  const cy = 0.53;
  if (Math.hypot(x - cx, y - cy) < 0.07) return LIGHT;
  if (Math.hypot(x - cx, y - cy) < 0.13) return TEAL;
  for (const [nx, ny] of nodes) {
    if (Math.hypot(x - nx, y - ny) < 0.085) return TEAL;
    if (segmentDistance(x, y, cx, cy, nx, ny) < 0.03) return TEAL;
  }
  if (!background) return null;
  // Rounded square, corner radius 0.2, with a small margin.
  const m = 0.04;
  const r = 0.2;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  return Math.hypot(qx, qy) <= r ? BG : null;
}

export function drawIcon(size: number, background: boolean): Uint8Array {
  const ss = 4; // supersampling per axis
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size, background);
          if (c === null) continue;
          for (let i = 0; i < 3; i++) acc[i]! += c[i]! * c[3];
          acc[3]! += c[3];
        }
      }
      const o = (py * size + px) * 4;
      const alpha = acc[3]! / (ss * ss);
      for (let i = 0; i < 3; i++) out[o + i] = acc[3]! > 0 ? Math.round(acc[i]! / acc[3]!) : 0;
      out[o + 3] = Math.round(alpha);
    }
  }
  return out;
}

function write(path: string, size: number, background: boolean): void {
  writeFileSync(path, encodePng(size, drawIcon(size, background)));
}

if (process.argv[1]?.endsWith('generate-icons.ts')) {
  mkdirSync('build/icons', { recursive: true });
  mkdirSync('build/runtime-icons', { recursive: true });
  write('build/icon.png', 1024, true); // macOS/Windows source: electron-builder makes .icns/.ico
  for (const size of [16, 32, 48, 64, 128, 256, 512]) write(`build/icons/${size}x${size}.png`, size, true); // Linux set
  write('build/runtime-icons/icon.png', 256, true); // window icon
  write('build/runtime-icons/tray.png', 16, false);
  write('build/runtime-icons/tray@2x.png', 32, false);
  // the web panel's tab icon (renderer/index.html), 32 px for high-density screens
  write('renderer/public/icon-32.png', 32, true);
  console.log('icons written to build/ and renderer/public/');
}
