import { Status } from '../../../shared/protocol/constants';
import type { Frame } from '../../../shared/protocol/frame';
import type { BrokerCore } from '../core';
import type { Session } from '../session';

/** PING (6) from a device: legacy gets the empty RESPONSE, v2 a SUCCESS status. Logged (rare). */
export function handlePing(core: BrokerCore, session: Session, frame: Frame): void {
  session.ack(frame.msgId, Status.SUCCESS);
  if (core.wants('frame')) core.traceIn(session, frame, Status.SUCCESS);
}
