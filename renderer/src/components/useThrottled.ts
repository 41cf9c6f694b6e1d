import { startTransition, useEffect, useRef, useState, useSyncExternalStore } from 'react';

const onVisibility = (cb: () => void) => {
  document.addEventListener('visibilitychange', cb);
  return () => document.removeEventListener('visibilitychange', cb);
};

/** True while the page cannot be seen (background tab, minimized window). */
export function useDocumentHidden(): boolean {
  return useSyncExternalStore(onVisibility, () => document.hidden, () => false);
}

/**
 * The value, but updated at most once per `ms`: charts redraw at a bounded rate, and as a
 * transition, so React renders them in small slices instead of one long task. While the page is
 * hidden, or `paused` (a chart scrolled out of sight), the value stays as it was (no redraws nobody
 * sees); it catches up when shown again.
 */
export function useThrottled<T>(value: T, ms: number, phaseMs = 0, paused = false): T {
  const [shown, setShown] = useState(value);
  const hidden = useDocumentHidden() || paused;
  // a phase staggers several throttled values so their redraws land in different tasks
  const last = useRef(phaseMs ? Date.now() - ms + phaseMs : 0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (hidden) return;
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
  }, [value, ms, hidden]);
  return shown;
}
