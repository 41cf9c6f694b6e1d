import { useEffect, useState } from 'react';
import type { MetricsRange, TelemetrySeries } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { hostHold } from '../../components/hostGate';
import { useApi, useApp } from '../../store/context';

/** Stored ranges gain a point a minute; reloading more often would show nothing new. */
export const STORED_REFRESH_MS = 60_000;
const NOTICE_KEY = 'telemetry.series';

/**
 * A device's stored telemetry for `range` (null: not wanted, e.g. the live view), loaded now and
 * every STORED_REFRESH_MS while the host is reachable. `series` is null until the first answer for
 * this device and range; a failure is a notice and keeps what was shown.
 */
export function useStoredTelemetry(device: string, range: MetricsRange | null): { series: TelemetrySeries[] | null; loading: boolean } {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const clearNotices = useApp((s) => s.clearNotices);
  const held = useApp(hostHold) !== null;
  const [loaded, setLoaded] = useState<{ key: string; series: TelemetrySeries[] } | null>(null);
  const [loading, setLoading] = useState(false);
  const key = `${device}\n${range}`;
  useEffect(() => {
    if (!range || held) return;
    let live = true;
    const load = () => {
      setLoading(true);
      api.call('telemetry.series', { device, range }).then(
        (series) => {
          if (!live) return;
          setLoaded({ key: `${device}\n${range}`, series });
          setLoading(false);
          clearNotices(NOTICE_KEY);
        },
        (err: unknown) => {
          if (!live) return;
          setLoading(false);
          notify('error', `Could not load stored telemetry of ${device} (${range}): ${errorText(err)}`, { key: NOTICE_KEY });
        },
      );
    };
    load();
    const timer = setInterval(load, STORED_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
      setLoading(false);
    };
  }, [api, device, range, held, notify, clearNotices]);
  return { series: loaded?.key === key ? loaded.series : null, loading };
}
