import { useEffect, useState, type RefObject } from 'react';

/**
 * Whether the element is on the screen or near it (within `margin`), from an IntersectionObserver.
 * True until the observer has said otherwise, so a first draw is never held back; true for good
 * where there is no observer.
 */
export function useOnScreen(ref: RefObject<Element | null>, margin = '200px'): boolean {
  const [onScreen, setOnScreen] = useState(true);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver !== 'function') return;
    const observer = new IntersectionObserver((entries) => setOnScreen(entries.at(-1)!.isIntersecting), { rootMargin: margin });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, margin]);
  return onScreen;
}
