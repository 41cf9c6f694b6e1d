/**
 * Splits a TCP byte stream into packets for the load generator. The protocol-specific part is
 * `measure`: given the bytes from `at`, it returns the whole packet's length, or 0 when the header
 * itself is incomplete. Leftover bytes are kept between chunks (at most one partial packet).
 */
export type PacketHandler = (buf: Buffer, start: number, end: number) => void;
export type PacketMeasure = (buf: Buffer, at: number, available: number) => number;

export class StreamReader {
  private pending: Buffer | null = null;

  constructor(
    private readonly measure: PacketMeasure,
    private readonly onPacket: PacketHandler,
  ) {}

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    while (at < buf.length) {
      const size = this.measure(buf, at, buf.length - at);
      if (size === 0 || at + size > buf.length) break;
      this.onPacket(buf, at, at + size);
      at += size;
    }
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
  }
}
