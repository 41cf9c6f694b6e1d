import type { DeletedHistory } from '../../shared/api/contract';
import type { TelemetryHistory } from './telemetry-history';
import type { TrafficLog } from './traffic-log';
import type { TrafficRing } from './traffic-ring';

export type { DeletedHistory };

export interface DeviceHistoryParts {
  log: TrafficLog;
  ring: TrafficRing;
  telemetry: TelemetryHistory;
  /** Traffic rows numbered up to this seq belong to the device being deleted; later ones are left alone. */
  upToSeq: number;
  /** Rows one step deletes per table (like timed retention). */
  chunkRows: number;
  /** False once the hub closed: the remaining steps are skipped. */
  isOpen: () => boolean;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes a device's traffic and telemetry. What is still in memory goes first, so no later flush
 * (or the shutdown's write of the open minute) brings it back; then the stored rows, one bounded
 * step per table per turn of the event loop, so the broker sharing the loop is never held for
 * long. Rows stored after the call began (a device re-created under the same id) are kept.
 */
export async function deleteDeviceHistory(device: string, p: DeviceHistoryParts): Promise<DeletedHistory> {
  const upToId = p.telemetry.lastId();
  p.ring.removeWhere((row) => row.device === device);
  const deleted: DeletedHistory = { trafficRows: p.log.dropQueued(device), telemetryRows: p.telemetry.dropUnwritten(device) };
  let trafficMore = true;
  let telemetryMore = true;
  while ((trafficMore || telemetryMore) && p.isOpen()) {
    if (trafficMore) {
      const step = p.log.deleteDevice(device, p.upToSeq, p.chunkRows);
      deleted.trafficRows += step.deleted;
      trafficMore = step.more;
    }
    if (telemetryMore) {
      const step = p.telemetry.deleteDevice(device, upToId, p.chunkRows);
      deleted.telemetryRows += step.deleted;
      telemetryMore = step.more;
    }
    if (trafficMore || telemetryMore) await nextTurn();
  }
  return deleted;
}
