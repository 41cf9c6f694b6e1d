import { encodeFrame } from '../../shared/protocol/frame';
import type { BrokerCore } from './core';
import { OutFrameEvent } from './frame-event';
import type { NativeHooks } from './native/native-listener';
import { Session } from './session';

/**
 * The broker's side of the native wire's fast path: its counter deltas go into the sessions'
 * counters (and liveness), its traces become the same 'frame' events the JS path emits, and at
 * each batch end JS's queued frames are written before the wire may route past them.
 */
export function nativeHooks(core: BrokerCore): NativeHooks {
  return {
    counters(socket, delta) {
      const session = socket.owner;
      if (session instanceof Session) session.addNativeCounters(delta);
    },
    trace(record) {
      if (!core.wants('frame')) return;
      const ts = core.now();
      if (record.dir === 'in') {
        core.emit('frame', {
          ts, dir: 'in', device: record.from, from: record.from, to: record.to, cmd: record.cmd,
          msgId: record.msgId, size: record.payload.length, status: record.status, payload: record.payload,
        });
      } else {
        core.emit('frame', new OutFrameEvent(ts, record.to, record.from, record.to, encodeFrame(record.cmd, record.msgId, record.payload)));
      }
    },
    batchEnd() {
      core.flushNow();
    },
  };
}
