import { useEffect, useState } from 'react';
import type { ThemeChoice } from '../../store/ui-slice';

/** Resolves "system" through prefers-color-scheme and follows its changes. */
export function useResolvedTheme(choice: ThemeChoice): 'light' | 'dark' {
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
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
