import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

/** Types worth compressing (text); images and fonts come compressed already. */
const TEXT_TYPES = /^(text\/|application\/json|image\/svg\+xml)/;
/** Below this a compressed copy saves less than its headers cost. */
const MIN_BYTES = 1024;
/** Above this the file is streamed as it is: a copy is held in memory while it is compressed. */
const MAX_BYTES = 8 * 1024 * 1024;
/** Versions kept: the UI is a handful of files, a rebuild under a running host adds a few more. */
const MAX_ENTRIES = 64;
/**
 * The entry script (476 kB) takes 14 ms at 5 and comes to 137 kB; 11, the most, saves 13 kB more
 * for 680 ms on this machine (seconds on a Raspberry Pi), which the first page load would wait for.
 */
const BROTLI_QUALITY = 5;

const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/**
 * The encoding to send for an Accept-Encoding header: brotli when the client takes it, else gzip,
 * else none. An encoding given `q=0` is refused, as RFC 9110 says.
 */
export function pickEncoding(acceptEncoding: string | undefined, type: string, size: number): Encoding | null {
  if (!acceptEncoding || size < MIN_BYTES || size > MAX_BYTES || !TEXT_TYPES.test(type)) return null;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return null;
}

/**
 * Compressed copies of the served UI's files (static files only: no secret in them and nothing a
 * request puts in, so compression leaks nothing, unlike BREACH's reflected pages; the admin token
 * and the API go over the WebSocket, uncompressed), each made once per file version (path, size and
 * modification time) on libuv's thread pool, so neither the broker's event loop nor a later request
 * pays for it again; requests that come while a copy is being made wait for that one. Bounded to
 * MAX_ENTRIES copies, the oldest dropped first.
 */
export class CompressedFiles {
  private readonly copies = new Map<string, Promise<Buffer>>();

  get(file: string, version: { size: number; mtimeMs: number }, encoding: Encoding, read: () => Promise<Buffer>): Promise<Buffer> {
    const key = `${encoding} ${version.size} ${version.mtimeMs} ${file}`;
    let copy = this.copies.get(key);
    if (!copy) {
      copy = read().then((bytes) =>
        encoding === 'br'
          ? compressBrotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
          : compressGzip(bytes),
      );
      this.copies.set(key, copy);
      copy.catch(() => this.copies.delete(key)); // a failed read is tried again next time
      while (this.copies.size > MAX_ENTRIES) this.copies.delete(this.copies.keys().next().value!);
    }
    return copy;
  }

  get size(): number {
    return this.copies.size;
  }
}
