import { EventEmitter } from 'node:events';
import type { BrokerPort, BrokerSession, SendOutcome } from '../broker-port';

/** A broker stand-in for hub tests that drive events directly (load tests, crash tests). */
export class StandInBroker extends EventEmitter implements BrokerPort {
  readonly sent: { to: string; payload: string }[] = [];
  live: BrokerSession[] = [];
  sendFromServer(to: string, payloadJson: string): SendOutcome {
    this.sent.push({ to, payload: payloadJson });
    return { ok: true, msgId: this.sent.length };
  }
  broadcastFromServer(): number {
    return 0;
  }
  redirect(): number {
    return 0;
  }
  revoke(): boolean {
    return false;
  }
  sessions(): BrokerSession[] {
    return this.live;
  }
  stats(): unknown {
    return {};
  }
}
