import { useEffect, useRef } from 'react';
import { useApp } from '../../store/context';
import { LOG_SEARCH_CAP, type LogSearch } from '../../store/log-search-slice';

const n = (v: number) => v.toLocaleString('en-US');

/** What the search has covered so far, in words. */
export function logSearchText(s: LogSearch): string {
  const matches = `${n(s.rows.length)} ${s.rows.length === 1 ? 'match' : 'matches'}`;
  if (s.searching) return s.next === null ? 'Searching the log…' : `Searching messages older than #${s.next}… (${matches} so far)`;
  if (s.error) return `Search failed: ${s.error}`;
  const searched = s.from !== null && s.reached !== null ? n(Math.max(0, s.from - s.reached)) : '?';
  switch (s.stop) {
    case 'scan-limited':
      return `Searched the newest ${searched} messages (${matches}); no more matches yet.`;
    case 'page-full':
      return `Showing the newest ${matches} (searched the newest ${searched} messages); older ones may exist.`;
    case 'cap':
      return `Showing ${matches}, the most this view keeps (${n(LOG_SEARCH_CAP)}); narrow the filter or export for the rest.`;
    case 'end':
      return `Searched the whole log back to its oldest message: ${matches}.`;
    default:
      return '';
  }
}

/**
 * The state of a search through the host's log: progress, how far back it looked, and a
 * "Search further back" button while older messages remain (the host bounds each call's scan).
 */
export function LogSearchBar() {
  const search = useApp((s) => s.logSearch);
  const searchFurther = useApp((s) => s.searchFurther);
  const startLogSearch = useApp((s) => s.startLogSearch);
  const close = useApp((s) => s.closeLogSearch);
  const status = useRef<HTMLParagraphElement>(null);
  const keepFocus = useRef(false);
  const canContinue = search !== null && search.next !== null;
  // The button leaves when the search ends: keep keyboard focus in the bar (on the status line).
  useEffect(() => {
    if (!canContinue && keepFocus.current) status.current?.focus();
    if (!canContinue) keepFocus.current = false;
  }, [canContinue]);
  if (!search) return null;
  const retryFirst = search.error !== null && search.from === null;
  return (
    <div className="log-search" role="region" aria-label="Log search" data-testid="log-search" aria-busy={search.searching}>
      <p className={search.error ? 'error-text' : 'muted'} role="status" aria-live="polite" tabIndex={-1} ref={status} data-testid="log-search-status" data-stop={search.searching ? 'searching' : (search.stop ?? '')}>
        {logSearchText(search)}
      </p>
      {search.searching && <progress aria-label="Searching the log" data-testid="log-search-progress" />}
      {canContinue && (
        <button
          type="button"
          className="btn primary"
          data-testid="search-further"
          aria-disabled={search.searching}
          onClick={(e) => {
            keepFocus.current = document.activeElement === e.currentTarget;
            // aria-disabled, not disabled: a disabled button would drop keyboard focus mid-search
            if (!search.searching) void searchFurther();
          }}
        >
          {search.searching ? 'Searching…' : 'Search further back'}
        </button>
      )}
      {retryFirst && (
        <button type="button" className="btn" onClick={() => void startLogSearch(search.query)}>
          Try again
        </button>
      )}
      <button type="button" className="btn" onClick={close} data-testid="log-search-close">
        Back to live
      </button>
    </div>
  );
}
