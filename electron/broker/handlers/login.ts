import { Status } from '../../../shared/protocol/constants';
import { encodeFrame, encodeStatus, type Frame } from '../../../shared/protocol/frame';
import { isValidDeviceId } from '../../../shared/protocol/envelope';
import { parseLogin, type LoginReply } from '../../../shared/protocol/login';
import type { BrokerCore } from '../core';
import type { Session } from '../session';
import { hashToken } from '../tokens';

/**
 * LOGIN (29). Only valid as the first frame. Logins from an address with recent failures are
 * held for the throttle's delay (input paused meanwhile); the verdict follows docs/PROTOCOL.md
 * section 3: the success reply is the very first frame a device receives.
 */
export function handleLogin(core: BrokerCore, session: Session, frame: Frame): void {
  if (session.state !== 'login') return session.protocolError('second_login');
  // Counted as a failure now (a correct token takes it back), so parallel guesses wait longer each.
  const delay = core.throttle.attempt(session.address, core.clock());
  if (delay <= 0) return verdict(core, session, frame);
  session.state = 'authenticating';
  session.pauseInput();
  session.loginTimer = setTimeout(() => {
    session.loginTimer = null;
    try {
      verdict(core, session, frame);
    } catch (err) {
      session.close('server_error', err instanceof Error ? err.message.slice(0, 200) : 'login');
    }
  }, delay);
}

function verdict(core: BrokerCore, session: Session, frame: Frame): void {
  if (session.closed) return;
  const parsed = parseLogin(frame.payload);
  const v2 = frame.payload[0] === 0x7b;
  if (!parsed.ok) {
    const status = !v2 ? Status.INVALID_TOKEN : parsed.error.code === 'unsupported_version' ? Status.UNSUPPORTED_VERSION : Status.MALFORMED;
    return refuse(core, session, frame.msgId, status, parsed.error.code === 'unsupported_version' ? 'unsupported_version' : 'malformed_login');
  }
  const login = parsed.value;
  const id = core.options.tokens.verify(login.token);
  // isValidDeviceId also keeps out a token issued as "server" or "broadcast" before they were refused
  if (id === null || !isValidDeviceId(id)) return refuse(core, session, frame.msgId, Status.INVALID_TOKEN, 'invalid_token');

  core.throttle.succeeded(session.address);
  session.authenticated(id);
  if (login.kind === 'v2') {
    session.protocol = 'v2';
    session.device = login.device;
    if (login.maxPayload !== null) session.receiveLimit = Math.min(session.receiveLimit, login.maxPayload);
    const reply: LoginReply & { udp?: { port: number; sid: number; nonce: string } } = {
      id,
      keepalive: Math.max(1, Math.round(core.options.keepalive.intervalMs / 1000)),
      maxPayload: core.options.limits.maxPayload,
    };
    const grant = login.udp && core.options.udp ? core.options.udp.openSession(id, hashToken(login.token)) : null;
    if (grant) {
      session.grantUdp(grant.sessionId);
      reply.udp = { port: grant.port, sid: grant.sessionId, nonce: grant.nonce };
    }
    const json = Buffer.from(JSON.stringify(reply));
    session.send(encodeFrame(0, frame.msgId, Buffer.concat([Uint8Array.of(Status.SUCCESS), json])));
  } else {
    session.protocol = 'legacy';
    // Exactly `00 00 01 00 01 C8` for the seed firmware's msg_id 1.
    session.send(encodeStatus(frame.msgId, Status.SUCCESS));
  }
  session.state = 'open';
  core.opened(session);
  session.resumeInput();
}

function refuse(core: BrokerCore, session: Session, msgId: number, status: number, reason: string): void {
  core.loginFailed(session, reason);
  session.send(encodeStatus(msgId, status));
  session.close('auth_failed', reason);
}
