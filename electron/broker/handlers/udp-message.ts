import { Command, Status } from '../../../shared/protocol/constants';
import type { BrokerCore } from '../core';
import type { UdpEnvelope } from '../udp';

/**
 * An envelope a device sent over its UDP session: the same rate limit, policy and routing as a
 * TCP JSON_MESSAGE, counted on the device's TCP session. UDP has no per-message status, so the
 * status is only counted (and traced).
 */
export function handleUdpEnvelope(core: BrokerCore, e: UdpEnvelope): void {
  const session = core.sessionById(e.from);
  if (!session) {
    core.tally.udpOrphans++;
    return;
  }
  session.counters.msgsIn++;
  session.counters.bytesIn += e.envelope.length;
  const tracing = core.wants('frame');
  if (tracing) core.holdTraces();
  let status: number;
  try {
    if (!session.takeToken(core.clock())) {
      session.counters.rateLimited++;
      session.refuse('rate_limited');
      status = Status.RATE_LIMITED;
    } else {
      status = core.router.fromDevice(session, Command.JSON_MESSAGE, e.envelope, e.parsed);
    }
  } catch (err) {
    // As on TCP (Session.handleFrame): a bug or a throwing hook (the routing policy) closes this
    // device's session only, and must not escape into the UDP endpoint's socket callback.
    core.dropHeldTraces();
    session.refuse('exception');
    session.close('server_error', err instanceof Error ? err.message.slice(0, 200) : 'exception');
    return;
  }
  if (tracing) core.traceIn(session, { type: Command.JSON_MESSAGE, msgId: 0, payload: e.envelope }, status, e.parsed.targetId);
}
