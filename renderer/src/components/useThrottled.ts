import { startTransition, useEffect, useRef, useState } from 'react';

/**
 * The value, but updated at most once per `ms`: charts redraw at a bounded rate, and as a
 * transition, so React renders them in small slices instead of one long task.
 */
export function useThrottled<T>(value: T, ms: number, phaseMs = 0): T {
  const [shown, setShown] = useState(value);
  // a phase staggers several throttled values so their redraws land in different tasks
  const last = useRef(phaseMs ? Date.now() - ms + phaseMs : 0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const wait = last.current + ms - Date.now();
    if (wait <= 0) {
      last.current = Date.now();
      startTransition(() => setShown(value));
      return;
    }
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      last.current = Date.now();
      startTransition(() => setShown(value));
    }, wait);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [value, ms]);
  return shown;
}
