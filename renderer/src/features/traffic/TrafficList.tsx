import { memo, useEffect, useMemo, useRef } from 'react';
import type { TrafficRow } from '../../../../shared/api/contract';
import { cmdLabel, cmdShort, type Day, formatTime, statusLabel } from '../../components/format';
import { useRovingRows } from '../../components/useRovingRows';
import { innerJsonText, payloadPreview, targetOf } from './payload';
import { focusedRowKey, useRowSlots } from './row-slots';
import { useToday } from './useToday';

const ROW_HEIGHT = 28;
const PREVIEW_CHARS = 160;
const TITLE_CHARS = 600;

/** The message the frame carries, not its envelope (payload.ts): the useful part fits the column. */
function preview(row: TrafficRow): string {
  const text = payloadPreview(row);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/** The inner payload as JSON when the cell shows a summary of it; says when the log shortened it. */
function payloadTitle(row: TrafficRow): string | undefined {
  if (row.cut) return 'payload shortened in the log';
  const json = innerJsonText(row);
  if (json === null) return undefined;
  return json.length > TITLE_CHARS ? `${json.slice(0, TITLE_CHARS)}…` : json;
}

/** The row's time; one from another day has its date in front, cut on a narrow list, whole in the title. */
function TimeCell({ ts, today }: { ts: number; today: Day }) {
  const text = formatTime(ts, { today });
  return (
    <span role="cell" className="cell mono" title={text}>
      {text}
    </span>
  );
}

const Row = memo(function Row({ row, index, top, selected, tabbable, today, onSelect }: { row: TrafficRow; index: number; top: number; selected: boolean; tabbable: boolean; today: Day; onSelect: (r: TrafficRow) => void }) {
  return (
    <div
      className={`row traffic-row dir-${row.dir}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      role="row"
      // only a window of the rows is drawn: each says its place among all (the header is row 1)
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="traffic-row"
      tabIndex={tabbable ? 0 : -1}
      data-row-key={row.seq}
      data-index={index}
      onClick={() => onSelect(row)}
    >
      <TimeCell ts={row.ts} today={today} />
      <span role="cell" className="cell">{row.dir === 'in' ? '⬅ in' : '➡ out'}</span>
      <span role="cell" className="cell" title={row.from ?? undefined}>{row.from ?? '-'}</span>
      <span role="cell" className="cell" title={row.to ?? targetOf(row)}>{row.to ?? targetOf(row)}</span>
      <span role="cell" className="cell opt3" title={`${cmdLabel(row.cmd)} (${row.cmd})`}>
        {cmdShort(row.cmd)}
      </span>
      <span role="cell" className="cell num opt2 opt3">{row.msgId}</span>
      <span role="cell" className="cell num opt2 opt3">{row.size}</span>
      <span role="cell" className="cell opt3">{statusLabel(row.status)}</span>
      <span role="cell" className="cell mono payload opt3" title={payloadTitle(row)}>
        {preview(row)}
        {row.cut && <span className="badge">cut</span>}
      </span>
    </div>
  );
});

/**
 * Virtualized frames, newest at the bottom; follows new rows until the user scrolls up.
 *
 * Keyboard: the list is one Tab stop (the active row: the one last focused or clicked, else the
 * selected message, else the first row in view). Up/Down/PageUp/PageDown/Home/End move it, Enter
 * or Space opens it as a click does. The active row is a message, not a position: while the view
 * follows the newest rows, the active row stays on its message and scrolls up with it (focus stays
 * on it, out of view, and the next arrow key brings it back into view). Moving it away from the
 * bottom stops the following as scrolling up does; End goes to the newest and follows again.
 *
 * Row elements are reused (useRowSlots): a row that stays drawn keeps its element, so the focused
 * row is never handed to another message, and the rows a batch scrolls out of view are refilled
 * with the new messages instead of being unmounted and created again (at 20,000 msg/s that was
 * some 740 DOM nodes per batch for the GC).
 */
export function TrafficList({ rows, selectedSeq, onSelect, testId = 'traffic-list' }: { rows: TrafficRow[]; selectedSeq: number | null; onSelect: (r: TrafficRow) => void; testId?: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const seqs = useMemo(() => rows.map((r) => r.seq), [rows]);
  const today = useToday();
  const { virtual, tabKey, listProps } = useRovingRows({
    keys: seqs,
    rowHeight: ROW_HEIGHT,
    overscan: 12,
    scroller,
    preferred: selectedSeq,
    onActivate: (seq) => {
      const row = rows.find((r) => r.seq === seq);
      if (row) onSelect(row);
    },
  });
  useEffect(() => {
    if (follow.current && rows.length > 0) virtual.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows, virtual]);
  const items = virtual.getVirtualItems();
  // rows keyed by slot, not seq: following new rows updates the drawn row elements in place
  const slots = useRowSlots(
    items.map((item) => rows[item.index]!.seq),
    focusedRowKey(scroller.current),
  );
  return (
    <div className="table traffic-table" role="table" aria-label="Traffic" data-testid={testId} aria-rowcount={rows.length + 1}>
      <div className="row head traffic-row" role="row" aria-rowindex={1}>
        <span role="columnheader" className="cell">Time</span>
        <span role="columnheader" className="cell">Dir</span>
        <span role="columnheader" className="cell">From</span>
        <span role="columnheader" className="cell">To</span>
        <span role="columnheader" className="cell opt3" title="Command">Cmd</span>
        {/* opt2: in a list narrower than 900 px (800 px window, or beside an open message) Id and Size
            give their room to Payload; the message's detail has both. opt3: on a phone (styles.css) */}
        <span role="columnheader" className="cell opt2 opt3" title="Message id">Id</span>
        <span role="columnheader" className="cell opt2 opt3">Size</span>
        <span role="columnheader" className="cell opt3">Status</span>
        <span role="columnheader" className="cell opt3">Payload</span>
      </div>
      <div
        className="scroller"
        role="rowgroup"
        ref={scroller}
        // the rows are the Tab stop, not the scroll area
        tabIndex={-1}
        {...listProps}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
        }}
      >
        <div role="presentation" style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item, i) => {
            const row = rows[item.index]!;
            return <Row key={slots[i]} row={row} index={item.index} top={item.start} selected={row.seq === selectedSeq} tabbable={row.seq === tabKey} today={today} onSelect={onSelect} />;
          })}
        </div>
      </div>
    </div>
  );
}
