import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { downloadText } from '../../components/download';
import { formatValue } from '../../components/format';
import { useHostGate } from '../../components/hostGate';
import { useSearchFocus } from '../../components/useSearchFocus';
import { errorText } from '../../api/errors';
import { useApi, useApp } from '../../store/context';
import { PAUSE_CAP } from '../../store/traffic-slice';

/** `lead`: what comes first in the bar (the Log / Conversations switch). */
export function TrafficToolbar({ shown, filterError, lead }: { shown: number; filterError: string | null; lead?: ReactNode }) {
  const api = useApi();
  const { query, paused, buffered, pauseDropped, skipped, counters } = useApp(
    useShallow((s) => ({
      query: s.query,
      paused: s.paused,
      buffered: s.buffered.length,
      pauseDropped: s.pauseDropped,
      skipped: s.skipped,
      counters: s.hostCounters,
    })),
  );
  const setQuery = useApp((s) => s.setQuery);
  const setPaused = useApp((s) => s.setPaused);
  const notify = useApp((s) => s.notify);
  const startLogSearch = useApp((s) => s.startLogSearch);
  // Search log and the exports ask the host; the filter and Pause work on what is already here.
  const gate = useHostGate();
  const [draft, setDraft] = useState(query);
  const input = useRef<HTMLInputElement>(null);
  useSearchFocus(input);
  // follow a query set elsewhere (palette, device links)
  useEffect(() => setDraft(query), [query]);
  // apply the filter after a short pause in typing, not on every key
  useEffect(() => {
    if (draft === query) return;
    const t = setTimeout(() => setQuery(draft), 150);
    return () => clearTimeout(t);
  }, [draft, query, setQuery]);

  const exportAs = async (format: 'csv' | 'jsonl') => {
    try {
      const file = await api.call('export.traffic', { query, format });
      downloadText(file.filename, file.mime, file.content);
      if (file.truncated) notify('warn', `Export cut: only the newest ${file.rows} rows were exported (row or size cap); narrow the filter for older ones`);
      else notify('info', `Exported ${file.rows} rows to ${file.filename}`);
    } catch (err) {
      notify('error', `Export failed: ${errorText(err)}`);
    }
  };
  const dropped = counters.dropped + skipped + pauseDropped;
  return (
    <div className="toolbar">
      {lead}
      <input
        ref={input}
        className={`search wide${filterError ? ' invalid' : ''}`}
        type="search"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return;
          setQuery(draft);
          void startLogSearch(draft);
        }}
        placeholder='Filter: device:lamp-1 from:lamp-1 to:server cmd:json dir:in state.relay1=true "text" (/, Enter searches the log)'
        aria-label="Traffic filter"
        aria-invalid={filterError !== null}
        title={filterError ?? undefined}
      />
      <button type="button" className={`btn ${paused ? 'primary' : ''}`} onClick={() => setPaused(!paused)} data-testid="pause-button" title="Pause/resume (p)">
        {paused ? `Resume (${formatValue(buffered)} waiting)` : 'Pause'}
      </button>
      <button
        type="button"
        className="btn"
        data-testid="search-log"
        title="Search the host's whole traffic log with this filter, not only the rows in view"
        disabled={gate.down}
        {...gate.why}
        onClick={() => {
          setQuery(draft);
          void startLogSearch(draft);
        }}
      >
        Search log
      </button>
      <button type="button" className="btn" onClick={() => void exportAs('csv')} disabled={gate.down} {...gate.why}>
        Export CSV
      </button>
      <button type="button" className="btn" onClick={() => void exportAs('jsonl')} disabled={gate.down} {...gate.why}>
        Export JSONL
      </button>
      {/* shown counts stored rows too (from before a host restart), logged only this run: say so, or 211 shown vs 25 logged reads as a contradiction.
          Rows reach this list as the host takes them, before its writer stores them: logged counts those too (the title says how many), or 78 shown vs 76 logged on a fresh log reads as rows missing */}
      <span className="counters" data-testid="traffic-counters" title={`shown = rows in this list, with the filter, including ones the host stored before it last started · logged = rows the host took into its log since it started (${formatValue(counters.writing)} of them still being written) · dropped = not stored by the host since it started + not sent to this window while busy + over the pause buffer of ${formatValue(PAUSE_CAP)}`}>
        <b data-testid="count-shown">{formatValue(shown)}</b> shown · <b data-testid="count-logged">{formatValue(counters.logged + counters.writing)}</b> logged since the host started · <b data-testid="count-dropped">{formatValue(dropped)}</b> dropped
      </span>
      {filterError && <span className="error-text">{filterError}</span>}
      {gate.note}
    </div>
  );
}
