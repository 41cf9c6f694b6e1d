import { Duplex } from 'node:stream';

/**
 * Two connected in-memory streams with real backpressure: a write on one side completes only
 * when the other side's reader has room, so a side that stops reading blocks its peer like a
 * socket would. `highWaterMark` bounds what sits in between.
 */
export function duplexPair(highWaterMark = 16 * 1024): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const pending = new Map<Duplex, () => void>();
  const make = (peer: () => Duplex): Duplex => {
    const side: Duplex = new Duplex({
      highWaterMark,
      readableHighWaterMark: highWaterMark,
      writableHighWaterMark: highWaterMark,
      read() {
        const resume = pending.get(side);
        if (resume) {
          pending.delete(side);
          resume();
        }
      },
      write(chunk: Buffer, _enc, callback) {
        const target = peer();
        if (target.destroyed) return callback();
        if (target.push(chunk)) callback();
        else pending.set(target, () => callback());
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(err, callback) {
        const other = peer();
        pending.delete(other);
        if (!other.destroyed) other.destroy();
        callback(err);
      },
    });
    return side;
  };
  const a = make(() => sides[1]!);
  const b = make(() => sides[0]!);
  sides.push(a, b);
  return [a, b];
}
