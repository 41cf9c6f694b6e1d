import { Command, SERVER_ID, Status } from '../../shared/protocol/constants';
import type { DeviceEnvelope, TargetKind } from '../../shared/protocol/envelope';
import type { BrokerCore } from './core';
import { BroadcastLimiter } from './broadcast-limit';
import type { Session } from './session';
import { SERVER_PREFIX, deliveredFrame, withMsgId } from './wire';

/**
 * Moves payload bytes from a sender (a device session or the app as "server") to targets. It never
 * parses or re-serialises a payload: the envelope is rebuilt around the sender's exact bytes.
 * Every function returns the status the sender is acked with.
 */
export class Router {
  /** The msg id of the last toDevice() delivery: 0 when it went over UDP (no TCP frame) or was refused. */
  private deliveredMsgId = 0;

  /** Made at the first device broadcast, from the limits then in force. */
  private broadcasts: BroadcastLimiter | null = null;

  constructor(private readonly core: BrokerCore) {}

  fromDevice(sender: Session, cmd: number, payload: Uint8Array, env: DeviceEnvelope): number {
    const from = sender.id!;
    const target: TargetKind = cmd === Command.BROADCAST ? 'broadcast' : env.target;
    const policy = this.core.options.policy;
    if (policy && !policy.allows(from, target, env.targetId)) return refuse(sender, 'not_allowed', Status.NOT_ALLOWED);
    const inner = payload.subarray(env.payloadStart, env.payloadEnd);
    if (target === 'server') {
      this.core.serverMessage(from, inner);
      return Status.SUCCESS;
    }
    if (target === 'broadcast') {
      if (!this.takeBroadcastToken(from)) {
        sender.counters.rateLimited++;
        return refuse(sender, 'rate_limited', Status.RATE_LIMITED);
      }
      const sent = this.broadcast(from, sender.prefix, inner, sender);
      return sent < 0 ? refuse(sender, 'too_large', Status.PAYLOAD_TOO_LARGE) : Status.SUCCESS;
    }
    const receiver = this.core.sessionById(env.targetId);
    if (!receiver) {
      return this.core.knowsDevice(env.targetId)
        ? refuse(sender, 'target_offline', Status.TARGET_OFFLINE)
        : refuse(sender, 'target_unknown', Status.TARGET_UNKNOWN);
    }
    const status = this.toDevice(from, sender.prefix, receiver, inner);
    if (status !== Status.SUCCESS) sender.refuse(status === Status.QUEUE_FULL ? 'queue_full' : this.tooLargeKind(sender.prefix, inner));
    return status;
  }

  private takeBroadcastToken(device: string): boolean {
    const { broadcastPerSecond, broadcastBurst } = this.core.options.limits;
    this.broadcasts ??= new BroadcastLimiter(broadcastPerSecond, broadcastBurst);
    return this.broadcasts.take(device, this.core.clock());
  }

  /**
   * Delivers a JSON_MESSAGE. SUCCESS, PAYLOAD_TOO_LARGE (not sent), or QUEUE_FULL: sent, but the
   * receiver's queue was full and older frames were dropped to make room.
   */
  toDevice(from: string, prefix: Uint8Array, receiver: Session, inner: Uint8Array): number {
    this.deliveredMsgId = 0;
    // receiveLimit is never above the broker's limit: one check for both
    if (prefix.length + inner.length + 1 > receiver.receiveLimit) return Status.PAYLOAD_TOO_LARGE;
    receiver.counters.msgsOut++;
    if (receiver.udp && this.viaUdp(receiver, from, inner, Command.JSON_MESSAGE, prefix)) {
      if (this.core.wants('frame')) this.core.traceOut(receiver.id!, from, receiver.id!, deliveredFrame(Command.JSON_MESSAGE, 0, prefix, inner), 1);
      return Status.SUCCESS;
    }
    const msgId = receiver.nextId();
    this.deliveredMsgId = msgId;
    const frame = deliveredFrame(Command.JSON_MESSAGE, msgId, prefix, inner);
    const dropped = receiver.send(frame);
    if (this.core.wants('frame')) this.core.traceOut(receiver.id!, from, receiver.id!, frame, 1);
    return dropped > 0 ? Status.QUEUE_FULL : Status.SUCCESS;
  }

  /** Why a delivery was too large: for every device (the broker's limit), or for its target's receive limit. */
  private tooLargeKind(prefix: Uint8Array, inner: Uint8Array): string {
    return prefix.length + inner.length + 1 > this.core.options.limits.maxPayload ? 'too_large' : 'too_large_for_target';
  }

  /**
   * Sends a BROADCAST to every open session except the sender; returns recipients, or -1 if too
   * large. A device with an open UDP session gets it over UDP (reliable ordered), else over TCP. A
   * device whose receive limit it exceeds is skipped, counted on the sender (too_large_for_target).
   */
  broadcast(from: string, prefix: Uint8Array, inner: Uint8Array, except: Session | null): number {
    const size = prefix.length + inner.length + 1;
    if (size > this.core.options.limits.maxPayload) return -1;
    const udp = this.core.options.udp;
    let template: Uint8Array | null = null;
    let recipients = 0;
    for (const receiver of this.core.openSessions()) {
      if (receiver === except) continue;
      if (size > receiver.receiveLimit) {
        except?.refuse('too_large_for_target');
        continue;
      }
      receiver.counters.msgsOut++;
      recipients++;
      if (receiver.udp && udp && this.viaUdp(receiver, from, inner, Command.BROADCAST, prefix)) continue;
      template ??= deliveredFrame(Command.BROADCAST, 0, prefix, inner);
      receiver.send(withMsgId(template, receiver.nextId()));
    }
    if (this.core.wants('frame')) {
      this.core.traceOut('*', from, 'broadcast', template ?? deliveredFrame(Command.BROADCAST, 0, prefix, inner), recipients);
    }
    return recipients;
  }

  /**
   * Hands a delivery to the device's UDP session; false when it has none (or will not take it). One
   * still queued when that session closes (a dead peer, a stalled key update) never left, so it goes
   * by TCP if the device is still connected there; one that was sent but not acknowledged is only
   * counted (the device may have it: sending it again could run a command twice).
   */
  private viaUdp(receiver: Session, from: string, inner: Uint8Array, cmd: number, prefix: Uint8Array): boolean {
    let copy: Uint8Array | null = null; // the input buffer `inner` views may be reused before the session closes
    const taken = this.core.options.udp!.deliver(receiver.id!, from, inner, 'ordered', (error) => {
      if (!error?.unsent || !receiver.open || !copy) return;
      receiver.send(deliveredFrame(cmd, receiver.nextId(), prefix, copy));
    });
    if (taken) copy = new Uint8Array(inner); // a copy: Buffer.slice() would be a view
    return taken;
  }

  /** The app speaking as "server" to every device. */
  broadcastFromServer(inner: Uint8Array): number {
    return this.broadcast(SERVER_ID, SERVER_PREFIX, inner, null);
  }

  /** The app speaking as "server" to one device. */
  fromServer(to: string, inner: Uint8Array): { status: number; msgId: number } {
    const receiver = this.core.sessionById(to);
    if (!receiver) {
      return { status: this.core.knowsDevice(to) ? Status.TARGET_OFFLINE : Status.TARGET_UNKNOWN, msgId: 0 };
    }
    const status = this.toDevice(SERVER_ID, SERVER_PREFIX, receiver, inner);
    return { status, msgId: this.deliveredMsgId };
  }
}

function refuse(sender: Session, kind: string, status: number): number {
  sender.refuse(kind);
  return status;
}
