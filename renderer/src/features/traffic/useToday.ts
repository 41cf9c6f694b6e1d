import { useEffect, useState } from 'react';
import { dayOf, type Day } from '../../components/format';

/**
 * Today, for a list's time column: a new object only when the date changes, so memoized rows draw
 * again then (a paused list past midnight puts yesterday's date in front of its rows).
 */
export function useToday(checkMs = 60_000): Day {
  const [today, setToday] = useState(() => dayOf(Date.now()));
  useEffect(() => {
    const timer = setInterval(() => {
      const next = dayOf(Date.now());
      setToday((cur) => (cur.day === next.day ? cur : next));
    }, checkMs);
    return () => clearInterval(timer);
  }, [checkMs]);
  return today;
}
