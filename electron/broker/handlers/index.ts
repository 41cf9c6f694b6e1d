import { Command } from '../../../shared/protocol/constants';
import type { Frame } from '../../../shared/protocol/frame';
import type { BrokerCore } from '../core';
import type { Session } from '../session';
import { handleJsonMessage } from './json-message';
import { handleLogin } from './login';
import { handlePing } from './ping';
import { handleRedirect } from './redirect';
import { handleResponse } from './response';

export type Handler = (core: BrokerCore, session: Session, frame: Frame) => void;

/** One handler per command. The decoder has already refused unknown types. */
const handlers: Record<number, Handler> = {
  [Command.RESPONSE]: handleResponse,
  [Command.PING]: handlePing,
  [Command.LOGIN]: handleLogin,
  [Command.JSON_MESSAGE]: handleJsonMessage,
  [Command.REDIRECT]: handleRedirect,
  [Command.BROADCAST]: handleJsonMessage,
};

export function dispatch(core: BrokerCore, session: Session, frame: Frame): void {
  if (session.state === 'login' && frame.type !== Command.LOGIN) return session.protocolError('expected_login');
  const handler = handlers[frame.type];
  if (!handler) return session.protocolError('unknown_type');
  handler(core, session, frame);
}
