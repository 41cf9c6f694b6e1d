import type { Frame } from '../../../shared/protocol/frame';
import type { BrokerCore } from '../core';
import type { Session } from '../session';

/** REDIRECT (41) only goes broker to device; from a device it is a protocol error. */
export function handleRedirect(_core: BrokerCore, session: Session, _frame: Frame): void {
  session.protocolError('redirect_from_device');
}
