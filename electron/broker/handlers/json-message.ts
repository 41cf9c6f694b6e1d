import { Status } from '../../../shared/protocol/constants';
import { parseDeviceEnvelope, targetIdCache } from '../../../shared/protocol/envelope';
import type { Frame } from '../../../shared/protocol/frame';
import type { BrokerCore } from '../core';
import type { Session } from '../session';

/**
 * JSON_MESSAGE (30) and BROADCAST (50) from a device: rate limit, envelope check (spans only,
 * no JSON.parse), route, ack. An invalid envelope is refused, never a reason to close.
 */
export function handleJsonMessage(core: BrokerCore, session: Session, frame: Frame): void {
  session.counters.msgsIn++;
  // Delivery events wait so the hub sees this frame 'in' before its deliveries 'out'.
  const tracing = core.wants('frame');
  if (tracing) core.holdTraces();
  let status: number;
  let target: string | null = null;
  if (!session.takeToken(session.lastIn)) {
    session.counters.rateLimited++;
    session.refuse('rate_limited');
    status = Status.RATE_LIMITED;
  } else {
    const env = parseDeviceEnvelope(frame.payload, (session.targets ??= targetIdCache()));
    if (env.ok) {
      target = env.value.targetId;
      status = core.router.fromDevice(session, frame.type, frame.payload, env.value);
    } else {
      session.refuse('malformed');
      status = Status.MALFORMED;
    }
  }
  session.ack(frame.msgId, status);
  if (tracing) core.traceIn(session, frame, status, target);
}
