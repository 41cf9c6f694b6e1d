import { useEffect } from 'react';
import type { AppStore } from '../../store';
import { NAV } from './nav';

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** In an open modal dialog the single-key shortcuts would act on the page behind it. */
function inModal(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return typeof el?.closest === 'function' && el.closest('[aria-modal="true"]') !== null;
}

/**
 * Ctrl/Cmd+K command palette, "/" search, "p" pause/resume traffic (in the Traffic view), 1-6 views, Esc closes.
 * Exported for tests; the keys are listed in the palette.
 */
export function handleShortcut(e: KeyboardEvent, store: AppStore): boolean {
  const s = store.getState();
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
    s.setPaletteOpen(!s.paletteOpen);
    return true;
  }
  if (e.key === 'Escape' && s.paletteOpen) {
    s.setPaletteOpen(false);
    return true;
  }
  // the single keys can be turned off in Settings (WCAG 2.1.4); Ctrl+K and the palette stay
  if (!s.singleKeyShortcuts || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target) || inModal(e.target)) return false;
  if (e.key === '/') {
    s.requestSearchFocus();
    return true;
  }
  // only where the pause shows: elsewhere (a device page's traffic list) a stray "p" would freeze
  // traffic with nothing saying so
  if (e.key === 'p' && s.view === 'traffic') {
    s.setPaused(!s.paused);
    return true;
  }
  const nav = NAV.find((n) => n.key === e.key);
  if (nav) {
    s.navigate(nav.view);
    return true;
  }
  return false;
}

export function useShortcuts(store: AppStore) {
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (handleShortcut(e, store)) e.preventDefault();
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [store]);
}
