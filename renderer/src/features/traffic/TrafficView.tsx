import { useDeferredValue, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { EmptyState } from '../../components/EmptyState';
import { useApp } from '../../store/context';
import { compileFilter, filterRows } from './filter';
import { MessageDetail } from './MessageDetail';
import { TrafficList } from './TrafficList';
import { TrafficToolbar } from './TrafficToolbar';

export function TrafficView() {
  const { rows, query, selected } = useApp(useShallow((s) => ({ rows: s.rows, query: s.query, selected: s.selected })));
  const select = useApp((s) => s.select);
  const filter = useMemo(() => compileFilter(query), [query]);
  // low priority: new rows render when the main thread is free, never ahead of input
  const deferredRows = useDeferredValue(rows);
  const shown = useMemo(() => filterRows(deferredRows, filter), [deferredRows, filter]);
  return (
    <section className="view traffic-view">
      <TrafficToolbar shown={shown.length} filterError={filter.error} />
      <div className="split">
        {rows.length === 0 ? (
          <EmptyState title="No traffic yet" testId="traffic-empty">
            Frames appear here live as soon as a device logs in and sends something. Toggle a relay on the Devices view, or send a command from Commands.
          </EmptyState>
        ) : (
          <TrafficList rows={shown} selectedSeq={selected?.seq ?? null} onSelect={select} />
        )}
        {selected && <MessageDetail row={selected} onClose={() => select(null)} />}
      </div>
    </section>
  );
}
