import { useEffect, useRef } from 'react';

/**
 * Puts the focus back on `opener` once `closed` is true, when the close was marked with
 * `returnFocus()`: a field or panel that removes itself with the focus inside drops it to the page
 * body, and the next Tab would start again at "Skip to content".
 */
export function useFocusReturn<T extends HTMLElement>(closed: boolean) {
  const opener = useRef<T>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (closed && pending.current) opener.current?.focus();
    pending.current = false;
  }, [closed]);
  return { opener, returnFocus: (when = true) => void (pending.current = when) };
}
