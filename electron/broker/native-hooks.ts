import { Command } from '../../shared/protocol/constants';
import type { BrokerCore } from './core';
import { OutFrameEvent } from './frame-event';
import type { NativeHooks } from './native/native-listener';
import { Session } from './session';
import { deliveredFrame, envelopePrefix } from './wire';

/**
 * The broker's side of the native wire's fast path: its counter deltas go into the sessions'
 * counters (and liveness), each trace record becomes the two 'frame' events the JS path emits for
 * a routed message ('in', then the delivery's 'out'), and at each batch end JS's queued frames are
 * written before the wire may route past them.
 */
export function nativeHooks(core: BrokerCore): NativeHooks {
  return {
    counters(socket, delta) {
      const session = socket.owner;
      if (session instanceof Session) session.addNativeCounters(delta);
    },
    trace(record, sender) {
      if (!core.wants('frame')) return;
      const ts = core.now();
      const { from, to, envelope } = record;
      core.emit('frame', {
        ts, dir: 'in', device: from, from, to, cmd: Command.JSON_MESSAGE,
        msgId: record.inMsgId, size: envelope.length, status: record.status, payload: envelope,
      });
      // The delivered frame, as the receiver got it; the sender's session already holds its prefix.
      const owner = sender?.owner;
      const prefix = owner instanceof Session && owner.id === from ? owner.prefix : envelopePrefix(from);
      const frame = deliveredFrame(Command.JSON_MESSAGE, record.outMsgId, prefix, envelope.subarray(record.payloadStart, record.payloadEnd));
      core.emit('frame', new OutFrameEvent(ts, to, from, to, frame));
    },
    batchEnd() {
      core.flushNow();
    },
  };
}
