import { DEFAULT_MAX_PAYLOAD, HEADER_SIZE, isKnownCommand } from './constants';
import { EMPTY, type Frame } from './frame';

export type DecodeError =
  | { code: 'too_large'; type: number; msgId: number; length: number; max: number }
  | { code: 'unknown_type'; type: number; msgId: number; length: number };

export type DecodeResult =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'need-more' }
  | { kind: 'error'; error: DecodeError };

export interface DecoderOptions {
  /** Largest payload accepted; checked from the header before any body byte is buffered. */
  maxPayload?: number;
  /** Accept frame types outside the command table (the broker does not; tools may). */
  acceptUnknownTypes?: boolean;
}

const NEED_MORE: DecodeResult = { kind: 'need-more' };

/**
 * Incremental frame decoder: feed() chunks of any size, then call next() until it says
 * 'need-more'. It never throws on input, and holds at most one partial frame
 * (header + maxPayload bytes) beyond the chunk it was last fed. After an error it stays failed:
 * the stream cannot be trusted to resynchronise.
 */
export class FrameDecoder {
  private maxPayload: number;
  private readonly acceptUnknownTypes: boolean;
  private chunk: Uint8Array = EMPTY;
  private offset = 0;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private type = 0;
  private msgId = 0;
  private failure: DecodeResult | null = null;

  constructor(options: DecoderOptions = {}) {
    this.maxPayload = Math.min(options.maxPayload ?? DEFAULT_MAX_PAYLOAD, 0xffff);
    this.acceptUnknownTypes = options.acceptUnknownTypes ?? false;
  }

  /**
   * Changes the payload limit for frames whose header has not been read yet (the broker allows
   * less before login than after).
   */
  setMaxPayload(maxPayload: number): void {
    this.maxPayload = Math.min(maxPayload, 0xffff);
  }

  /** Hands the decoder the next chunk. Call next() until need-more before feeding again. */
  feed(chunk: Uint8Array): void {
    if (this.offset < this.chunk.length) {
      // The caller did not drain: keep the unread rest rather than lose bytes.
      const rest = this.chunk.subarray(this.offset);
      const merged = new Uint8Array(rest.length + chunk.length);
      merged.set(rest, 0);
      merged.set(chunk, rest.length);
      this.chunk = merged;
    } else {
      this.chunk = chunk;
    }
    this.offset = 0;
  }

  /** Bytes held that are not yet part of a returned frame (for memory accounting). */
  get bufferedBytes(): number {
    return this.chunk.length - this.offset + this.headerFill + this.bodyFill;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  next(): DecodeResult {
    if (this.failure) return this.failure;
    if (this.body) return this.continueBody();
    const available = this.chunk.length - this.offset;
    if (this.headerFill === 0 && available >= HEADER_SIZE) {
      // Fast path: the whole header sits in the current chunk.
      const c = this.chunk;
      const o = this.offset;
      const length = (c[o + 3]! << 8) | c[o + 4]!;
      const rejected = this.check(c[o]!, (c[o + 1]! << 8) | c[o + 2]!, length);
      if (rejected) return rejected;
      if (available >= HEADER_SIZE + length) {
        this.offset = o + HEADER_SIZE + length;
        const payload = length === 0 ? EMPTY : c.subarray(o + HEADER_SIZE, this.offset);
        return { kind: 'frame', frame: { type: this.type, msgId: this.msgId, payload } };
      }
      this.offset = o + HEADER_SIZE;
      this.body = new Uint8Array(length);
      this.bodyFill = 0;
      return this.continueBody();
    }
    const take = Math.min(HEADER_SIZE - this.headerFill, available);
    this.header.set(this.chunk.subarray(this.offset, this.offset + take), this.headerFill);
    this.headerFill += take;
    this.offset += take;
    if (this.headerFill < HEADER_SIZE) return NEED_MORE;
    this.headerFill = 0;
    const h = this.header;
    const length = (h[3]! << 8) | h[4]!;
    const rejected = this.check(h[0]!, (h[1]! << 8) | h[2]!, length);
    if (rejected) return rejected;
    if (length === 0) return { kind: 'frame', frame: { type: this.type, msgId: this.msgId, payload: EMPTY } };
    this.body = new Uint8Array(length);
    this.bodyFill = 0;
    return this.continueBody();
  }

  private check(type: number, msgId: number, length: number): DecodeResult | null {
    this.type = type;
    this.msgId = msgId;
    if (!this.acceptUnknownTypes && !isKnownCommand(type)) {
      return this.fail({ code: 'unknown_type', type, msgId, length });
    }
    if (length > this.maxPayload) return this.fail({ code: 'too_large', type, msgId, length, max: this.maxPayload });
    return null;
  }

  private fail(error: DecodeError): DecodeResult {
    this.failure = { kind: 'error', error };
    this.chunk = EMPTY;
    this.offset = 0;
    return this.failure;
  }

  private continueBody(): DecodeResult {
    const body = this.body!;
    const take = Math.min(body.length - this.bodyFill, this.chunk.length - this.offset);
    body.set(this.chunk.subarray(this.offset, this.offset + take), this.bodyFill);
    this.bodyFill += take;
    this.offset += take;
    if (this.bodyFill < body.length) return NEED_MORE;
    this.body = null;
    this.bodyFill = 0;
    return { kind: 'frame', frame: { type: this.type, msgId: this.msgId, payload: body } };
  }
}
