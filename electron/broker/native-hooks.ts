import { Command } from '../../shared/protocol/constants';
import type { BrokerCore } from './core';
import { DeliveryFrameEvent } from './frame-event';
import type { NativeHooks } from './native/native-listener';
import { Session } from './session';
import { envelopePrefix } from './wire';

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
      // The delivery as the receiver got it (its bytes made only if read); the sender's session holds its prefix.
      const owner = sender?.owner;
      const prefix = owner instanceof Session && owner.id === from ? owner.prefix : envelopePrefix(from);
      core.emit('frame', new DeliveryFrameEvent(ts, to, from, to, record.outMsgId, prefix, envelope.subarray(record.payloadStart, record.payloadEnd)));
    },
    batchEnd() {
      core.flushNow();
    },
  };
}
