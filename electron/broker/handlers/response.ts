import type { Frame } from '../../../shared/protocol/frame';
import type { BrokerCore } from '../core';
import type { Session } from '../session';

/**
 * RESPONSE (0) from a device: the answer to the broker's keepalive PING (gives the RTT) or an
 * ack of a delivered message (counted, not forwarded).
 */
export function handleResponse(core: BrokerCore, session: Session, frame: Frame): void {
  if (session.pingMsgId !== 0 && frame.msgId === session.pingMsgId) {
    session.rttMs = Math.round((performance.now() - session.pingSentPrecise) * 100) / 100;
    session.pingMsgId = 0;
    // Keepalive answers are rare (one per quiet interval), so they are logged; message acks are
    // recorded as the status of the message they answer, not as rows of their own.
    if (core.wants('frame')) core.traceIn(session, frame, null);
    return;
  }
  session.counters.acksIn++;
}
