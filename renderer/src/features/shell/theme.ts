import { useEffect, useState } from 'react';
import type { ThemeChoice } from '../../store/ui-slice';

/** Resolves "system" through prefers-color-scheme and follows its changes. */
export function useResolvedTheme(choice: ThemeChoice): 'light' | 'dark' {
  // one query for the component's life: a new one per render would re-subscribe at every render
  const [query] = useState(() => (typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null));
  const [systemDark, setSystemDark] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const on = (e: MediaQueryListEvent) => setSystemDark(e.matches);
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, [query]);
  if (choice === 'system') return systemDark ? 'dark' : 'light';
  return choice;
}
