import type { MetricsRange, TelemetrySeries } from '../../../../shared/api/contract';
import { hostHold } from '../../components/hostGate';
import { usePolled } from '../../components/usePolled';
import { useApp } from '../../store/context';

/** Stored ranges gain a point a minute; reloading more often would show nothing new. */
export const STORED_REFRESH_MS = 60_000;
const NOTICE_KEY = 'telemetry.series';

/**
 * A device's stored telemetry for `range` (null: not wanted, e.g. the live view), loaded now and
 * every STORED_REFRESH_MS while the host is reachable. `series` is null until the first answer for
 * this device and range; a failure is a notice and keeps what was shown.
 */
export function useStoredTelemetry(device: string, range: MetricsRange | null): { series: TelemetrySeries[] | null; loading: boolean } {
  const notify = useApp((s) => s.notify);
  const clearNotices = useApp((s) => s.clearNotices);
  const held = useApp(hostHold) !== null;
  const enabled = range !== null && !held;
  const { data, error } = usePolled('telemetry.series', { device, range: range ?? '1h' }, STORED_REFRESH_MS, {
    enabled,
    onSuccess: () => clearNotices(NOTICE_KEY),
    onError: (message) => notify('error', `Could not load stored telemetry of ${device} (${range}): ${message}`, { key: NOTICE_KEY }),
  });
  // the first answer for this device and range is on its way
  return { series: range ? data : null, loading: enabled && data === null && error === null };
}
