import { describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { DeliveryFrameEvent, OutFrameEvent, RoutedFrameEvent } from './frame-event';
import { deliveredFrame, envelopePrefix } from './wire';

describe('DeliveryFrameEvent', () => {
  const prefix = envelopePrefix('a');
  const fields = (ev: DeliveryFrameEvent | OutFrameEvent | RoutedFrameEvent) => ({ ts: ev.ts, dir: ev.dir, device: ev.device, from: ev.from, to: ev.to, cmd: ev.cmd, msgId: ev.msgId, size: ev.size, status: ev.status, payload: Buffer.from(ev.payload).toString() });

  it('is the OutFrameEvent of the frame the receiver got', () => {
    const inner = Buffer.from('{"cmd":"toggle"}');
    const lazy = new DeliveryFrameEvent(1, 'b', 'a', 'b', 0x1234, prefix, inner, 0, inner.length);
    const eager = new OutFrameEvent(1, 'b', 'a', 'b', deliveredFrame(Command.JSON_MESSAGE, 0x1234, prefix, inner));
    expect(fields(lazy)).toEqual(fields(eager));
    expect(lazy.payload).toBe(lazy.payload);
  });

  it('builds its payload when first read, not before (a listener that only counts costs no copy)', () => {
    const batch = Buffer.from('..{"n":1}..');
    const ev = new DeliveryFrameEvent(1, 'b', 'a', 'b', 1, prefix, batch, 2, 9);
    expect(ev.size).toBe(prefix.length + 7 + 1);
    batch[7] = 0x32; // seen only if nothing was copied at construction
    expect(Buffer.from(ev.payload).toString()).toBe('{"from":"a","payload":{"n":2}}');
  });
});

describe('RoutedFrameEvent', () => {
  it('is the in event of the envelope at source[start, end), viewed only when read', () => {
    const batch = Buffer.from('xx{"targetId":"b","payload":{"n":1}}yy');
    const ev = new RoutedFrameEvent(1, 'a', 'a', 'b', 7, 200, batch, 2, batch.length - 2);
    expect({ dir: ev.dir, cmd: ev.cmd, msgId: ev.msgId, status: ev.status, size: ev.size }).toEqual({ dir: 'in', cmd: Command.JSON_MESSAGE, msgId: 7, status: 200, size: batch.length - 4 });
    batch[batch.length - 5] = 0x32; // seen only if the view is made when read
    expect(Buffer.from(ev.payload).toString()).toBe('{"targetId":"b","payload":{"n":2}}');
    expect(ev.payload).toBe(ev.payload);
  });
});
