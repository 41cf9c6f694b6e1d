import type { MetricsRange, TelemetrySeries } from '../../../../shared/api/contract';
import { csvLine, fileStamp } from '../../../../shared/csv';

export const TELEMETRY_CSV_COLUMNS = ['time', 'channel', 'avg', 'min', 'max', 'count'] as const;

/**
 * A stored telemetry range as CSV, one line per channel and step (channel by channel, oldest
 * first, as telemetry.series serves it). Time is the step's start in ISO 8601 UTC; count is empty
 * when the host did not say.
 */
export function telemetryCsv(series: readonly TelemetrySeries[]): { content: string; rows: number } {
  const lines = [csvLine([...TELEMETRY_CSV_COLUMNS])];
  for (const s of series) {
    for (const p of s.points) lines.push(csvLine([new Date(p.ts).toISOString(), s.channel, p.avg, p.min, p.max, p.count]));
  }
  return { content: lines.join(''), rows: lines.length - 1 };
}

/** e.g. telemetry-greenhouse-1-24h-2026-01-01T12-00-00-000Z.csv (no characters a file system refuses). */
export function telemetryCsvFilename(device: string, range: MetricsRange, now = new Date()): string {
  return `telemetry-${device.replace(/:/g, '-')}-${range}-${fileStamp(now)}.csv`;
}
