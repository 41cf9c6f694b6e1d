import { type ReactNode, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { ConversationStats } from '../../../../shared/api/contract';
import { useShallow } from 'zustand/react/shallow';
import { EmptyState } from '../../components/EmptyState';
import { HostWaiting, useHostAnswered } from '../../components/hostGate';
import { useApp } from '../../store/context';
import { conversationQuery } from './conversation-sort';
import { ConversationsTable } from './ConversationsTable';
import { compileFilter, filterRows } from './filter';
import { LogSearchBar } from './LogSearchBar';
import { MessageDetail } from './MessageDetail';
import { TrafficList } from './TrafficList';
import { type TrafficMode, TrafficModeSwitch } from './TrafficModeSwitch';
import { TrafficToolbar } from './TrafficToolbar';

export function TrafficView() {
  const [mode, setMode] = useState<TrafficMode>('log');
  const setQuery = useApp((s) => s.setQuery);
  // a conversation opens as the log filtered to it
  const openConversation = useCallback(
    (c: ConversationStats) => {
      setQuery(conversationQuery(c));
      setMode('log');
    },
    [setQuery],
  );
  if (mode === 'conversations') {
    return (
      <section className="view traffic-view">
        <div className="toolbar">
          <TrafficModeSwitch mode={mode} onChange={setMode} />
        </div>
        <ConversationsTable onOpen={openConversation} />
      </section>
    );
  }
  return <TrafficLog modeSwitch={<TrafficModeSwitch mode={mode} onChange={setMode} />} />;
}

/** After the detail pane closed: its message's row if it is drawn, else the list's Tab stop. */
function focusRowOf(split: HTMLElement, seq: number) {
  const rows = Array.from(split.querySelectorAll<HTMLElement>('[data-row-key]'));
  (rows.find((el) => el.getAttribute('data-row-key') === String(seq)) ?? rows.find((el) => el.tabIndex === 0))?.focus();
}

function TrafficLog({ modeSwitch }: { modeSwitch: ReactNode }) {
  const { rows, query, selected, logSearch } = useApp(useShallow((s) => ({ rows: s.rows, query: s.query, selected: s.selected, logSearch: s.logSearch })));
  const select = useApp((s) => s.select);
  const startLogSearch = useApp((s) => s.startLogSearch);
  const filter = useMemo(() => compileFilter(query), [query]);
  // low priority: new rows render when the main thread is free, never ahead of input
  const deferredRows = useDeferredValue(rows);
  const shown = useMemo(() => filterRows(deferredRows, filter), [deferredRows, filter]);
  // a log search follows the filter: a new expression starts a new search
  const searchQuery = logSearch?.query ?? null;
  useEffect(() => {
    if (searchQuery !== null && searchQuery !== query) void startLogSearch(query);
  }, [searchQuery, query, startLogSearch]);
  const logRows = logSearch?.rows;
  const answered = useHostAnswered();
  const split = useRef<HTMLDivElement>(null);
  // the pane goes (Escape or its ✕): focus goes back to the row it showed, not to the page body
  const closeDetail = (seq: number) => {
    select(null);
    if (split.current) focusRowOf(split.current, seq);
  };
  return (
    <section className="view traffic-view">
      <TrafficToolbar shown={logRows ? logRows.length : shown.length} filterError={filter.error} lead={modeSwitch} />
      <LogSearchBar />
      <div
        className="split"
        ref={split}
        // Escape closes the detail pane from the pane or the list
        onKeyDown={(e) => {
          if (e.key !== 'Escape' || !selected || e.defaultPrevented) return;
          e.preventDefault();
          closeDetail(selected.seq);
        }}
      >
        {logRows ? (
          <TrafficList rows={logRows} selectedSeq={selected?.seq ?? null} onSelect={select} testId="log-search-list" />
        ) : rows.length === 0 && !answered ? (
          <HostWaiting view="traffic" what="The traffic log loads" />
        ) : rows.length === 0 ? (
          <EmptyState title="No traffic yet" testId="traffic-empty">
            Frames appear here live as soon as a device logs in and sends something. Toggle a relay on the Devices view, or send a command from Commands.
          </EmptyState>
        ) : (
          <TrafficList rows={shown} selectedSeq={selected?.seq ?? null} onSelect={select} />
        )}
        {selected && <MessageDetail row={selected} onClose={() => closeDetail(selected.seq)} window={logRows} />}
      </div>
    </section>
  );
}
