import type { DeletedHistory } from '../../shared/api/contract';
import type { Metrics } from './metrics';
import type { TelemetryHistory } from './telemetry-history';
import type { TrafficLog } from './traffic-log';

export type { DeletedHistory };

export interface DeviceHistoryParts {
  log: TrafficLog;
  telemetry: TelemetryHistory;
  metrics: Metrics;
  /** Traffic rows numbered up to this seq belong to the device being deleted; later ones are left alone. */
  upToSeq: number;
  /** Metrics minutes starting up to this time (ms) are deleted. */
  upToTs: number;
  /** Rows one step deletes per table (like timed retention). */
  chunkRows: number;
  /** False once the hub closed: the remaining steps are skipped. */
  isOpen: () => boolean;
}

type DeleteStep = [keyof DeletedHistory, () => { deleted: number; more: boolean }];

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes a device's traffic, telemetry and per-device metrics. What is still in memory goes
 * first, so no later flush (or the shutdown's write of the open minute) brings it back; then the
 * stored rows, one bounded step per table per turn of the event loop, so the broker sharing the
 * loop is never held for long. Rows stored after the call began (a device re-created under the
 * same id) are kept.
 */
export async function deleteDeviceHistory(device: string, p: DeviceHistoryParts): Promise<DeletedHistory> {
  const upToId = p.telemetry.lastId();
  const deleted: DeletedHistory = { trafficRows: p.log.dropQueued(device), telemetryRows: p.telemetry.dropUnwritten(device), metricsRows: p.metrics.dropDevice(device) };
  let steps: DeleteStep[] = [
    ['trafficRows', () => p.log.deleteDevice(device, p.upToSeq, p.chunkRows)],
    ['telemetryRows', () => p.telemetry.deleteDevice(device, upToId, p.chunkRows)],
    ['metricsRows', () => p.metrics.deleteDevice(device, p.upToTs, p.chunkRows)],
  ];
  while (steps.length > 0 && p.isOpen()) {
    steps = steps.filter(([field, step]) => {
      const r = step();
      deleted[field] += r.deleted;
      return r.more;
    });
    if (steps.length > 0) await nextTurn();
  }
  return deleted;
}
