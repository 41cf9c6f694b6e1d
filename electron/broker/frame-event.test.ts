import { describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { DeliveryFrameEvent, OutFrameEvent } from './frame-event';
import { deliveredFrame, envelopePrefix } from './wire';

describe('DeliveryFrameEvent', () => {
  const prefix = envelopePrefix('a');
  const fields = (ev: DeliveryFrameEvent | OutFrameEvent) => ({ ts: ev.ts, dir: ev.dir, device: ev.device, from: ev.from, to: ev.to, cmd: ev.cmd, msgId: ev.msgId, size: ev.size, status: ev.status, payload: Buffer.from(ev.payload).toString() });

  it('is the OutFrameEvent of the frame the receiver got', () => {
    const inner = Buffer.from('{"cmd":"toggle"}');
    const lazy = new DeliveryFrameEvent(1, 'b', 'a', 'b', 0x1234, prefix, inner);
    const eager = new OutFrameEvent(1, 'b', 'a', 'b', deliveredFrame(Command.JSON_MESSAGE, 0x1234, prefix, inner));
    expect(fields(lazy)).toEqual(fields(eager));
    expect(lazy.payload).toBe(lazy.payload);
  });

  it('builds its payload when first read, not before (a listener that only counts costs no copy)', () => {
    const inner = Buffer.from('{"n":1}');
    const ev = new DeliveryFrameEvent(1, 'b', 'a', 'b', 1, prefix, inner);
    expect(ev.size).toBe(prefix.length + inner.length + 1);
    inner[5] = 0x32; // seen only if nothing was copied at construction
    expect(Buffer.from(ev.payload).toString()).toBe('{"from":"a","payload":{"n":2}}');
  });
});
