import type { BrokerCore } from './core';
import { DeliveryFrameEvent, RoutedFrameEvent } from './frame-event';
import type { NativeHooks } from './native/native-listener';
import { Session } from './session';

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
    trace(record, sender, receiver) {
      if (!core.wants('frame')) return;
      // Both sockets outlive the record (their 'closed' comes later in the batch) and a routed
      // connection's owner is its logged-in session, which names the device the wire routed.
      const from = sender?.owner;
      const to = receiver?.owner;
      if (!(from instanceof Session) || !(to instanceof Session) || from.id === null || to.id === null) return;
      const ts = core.now();
      const { batch } = record;
      core.emitFrame(new RoutedFrameEvent(ts, from.id, from.id, to.id, record.inMsgId, record.status, batch, record.envelopeStart, record.envelopeEnd));
      // The delivery as the receiver got it (its bytes made only if read); the sender's session holds its prefix.
      core.emitFrame(new DeliveryFrameEvent(ts, to.id, from.id, to.id, record.outMsgId, from.prefix, batch, record.payloadStart, record.payloadEnd));
    },
    batchEnd() {
      core.flushNow();
    },
  };
}
