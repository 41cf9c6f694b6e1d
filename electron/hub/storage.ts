import { statSync } from 'node:fs';
import type { StorageStats } from '../../shared/api/contract';
import type { Db } from './db';
import type { Flusher } from './flusher';
import type { TelemetryHistory } from './telemetry-history';
import type { TrafficLog } from './traffic-log';

const fileBytes = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no WAL file yet, or an in-memory database (no file at all)
  }
};

/** Rounds slower than this may be felt by the broker sharing the event loop. */
export const SLOW_WRITE_MS = 50;

/**
 * What the Settings view shows about the database: its files, the traffic log against its caps, the
 * stored telemetry, how the writes keep up and which thread writes the traffic rows. Cheap enough to
 * poll every few seconds: file stats, index lookups and the writer thread's counts in shared memory
 * (the row count comes from the seq range less the holes the log keeps count of, see TrafficLog.storedRows).
 */
export function storageStats(db: Db, log: TrafficLog, flusher: Flusher, retention: { days: number; megabytes: number }, telemetry: TelemetryHistory): StorageStats {
  const path = db.name;
  const oldest = (db.prepare('SELECT ts FROM traffic ORDER BY seq LIMIT 1').get() as { ts: number } | undefined)?.ts ?? null;
  const writes = flusher.stats();
  const slowRounds = writes.histogram.filter((b) => b.le > SLOW_WRITE_MS).reduce((n, b) => n + b.count, 0);
  return {
    path,
    fileBytes: fileBytes(path),
    walBytes: fileBytes(`${path}-wal`),
    traffic: {
      rows: log.storedRows(),
      bytes: log.storedBytes,
      oldestTs: oldest,
      capBytes: retention.megabytes * 1024 * 1024,
      maxAgeDays: retention.days,
      queued: log.queued,
      dropped: log.counters.dropped,
    },
    telemetry: telemetry.stats(),
    writes: { rounds: writes.flushes, slowestMs: Math.round(writes.maxFlushMs * 10) / 10, slowRounds, slowMs: SLOW_WRITE_MS },
    writer: log.writerState(),
  };
}
