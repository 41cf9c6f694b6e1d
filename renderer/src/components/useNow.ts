import { useEffect, useState } from 'react';
import { useApp } from '../store/context';

/** A clock for "online for 3 min" texts; one timer per view, not per row. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/**
 * The clock for times counted from the host's data ("online for 3 min", "last seen 5 s ago"): it
 * stops when the connection to the host is lost (the panel knows nothing after that moment, so a
 * device's "online for" must not keep counting up) and runs again once the host is back.
 */
export function useHostNow(intervalMs = 1000): number {
  const now = useNow(intervalMs);
  const lostAt = useApp((s) => s.hostLostAt);
  return lostAt === null ? now : Math.min(now, lostAt);
}
