import { useEffect, type RefObject } from 'react';
import { useApp } from '../store/context';

/** Focuses `input` when the user asked for search ("/" or the palette) and marks the request done. */
export function useSearchFocus(input: RefObject<HTMLInputElement | null>) {
  const pending = useApp((s) => s.searchFocusPending);
  const searchFocused = useApp((s) => s.searchFocused);
  useEffect(() => {
    if (!pending || !input.current) return;
    input.current.focus();
    searchFocused();
  }, [pending, searchFocused, input]);
}
