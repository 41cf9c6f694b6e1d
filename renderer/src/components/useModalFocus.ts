import { useEffect, useState, type KeyboardEvent as ReactKeyboardEvent, type RefObject } from 'react';

const FOCUSABLE = 'button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [href], [tabindex]:not([tabindex="-1"])';

/** The focusable elements inside `root`, in document order. */
const focusables = (root: HTMLElement) => Array.from(root.querySelectorAll<HTMLElement>('*')).filter((el) => el.matches(FOCUSABLE));

/**
 * Keyboard behaviour of a modal dialog: focus moves into it when it opens (`initial`, else its
 * first focusable element), Tab and Shift+Tab stay inside it, Escape calls `onClose`, and focus
 * goes back to whatever had it before (the button that opened it) when the dialog unmounts.
 * Returns the dialog's onKeyDown handler.
 */
export function useModalFocus(dialog: RefObject<HTMLElement | null>, onClose: () => void, initial?: RefObject<HTMLElement | null>) {
  // read while rendering, before any effect moved focus (StrictMode runs effects twice)
  const [opener] = useState(() => document.activeElement);
  useEffect(() => {
    const first = initial?.current ?? (dialog.current ? focusables(dialog.current)[0] : undefined);
    if (first && !dialog.current?.contains(document.activeElement)) first.focus();
    return () => {
      const back = opener;
      // only when focus would otherwise be lost (on the body or on the dialog going away)
      if (back instanceof HTMLElement && back.isConnected && (document.activeElement === document.body || document.activeElement === null || !document.activeElement.isConnected)) back.focus();
    };
    // once per opening: the refs are stable
  }, [dialog, initial, opener]);
  return (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !dialog.current) return;
    const items = focusables(dialog.current);
    if (items.length === 0) return;
    const [first, last] = [items[0]!, items.at(-1)!];
    // on the dialog itself (a click on its text), Shift+Tab would leave it: wrap to the last control
    if (e.shiftKey && (document.activeElement === first || document.activeElement === dialog.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
}
