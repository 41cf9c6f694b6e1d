import type { Frame } from '../../../shared/protocol/frame';
import type { BrokerCore } from '../core';
import type { Session } from '../session';

/**
 * RESPONSE (0) from a device: the answer to the broker's keepalive PING (gives the RTT) or an
 * ack of a delivered message (counted, not forwarded).
 */
export function handleResponse(_core: BrokerCore, session: Session, frame: Frame): void {
  if (session.pingMsgId !== 0 && frame.msgId === session.pingMsgId) {
    session.rttMs = Math.round((performance.now() - session.pingSentPrecise) * 100) / 100;
    session.pingMsgId = 0;
    return;
  }
  session.counters.acksIn++;
}
