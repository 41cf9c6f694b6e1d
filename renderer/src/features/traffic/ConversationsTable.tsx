import { memo, useMemo, useRef, useState } from 'react';
import type { ConversationStats } from '../../../../shared/api/contract';
import { EmptyState } from '../../components/EmptyState';
import { formatAgo, formatBytes, formatRate } from '../../components/format';
import { HostWaiting, hostHold, useHostAnswered } from '../../components/hostGate';
import { useHostNow } from '../../components/useNow';
import { usePolled } from '../../components/usePolled';
import { useRovingRows } from '../../components/useRovingRows';
import { useApp } from '../../store/context';
import { useDeviceLabels } from '../devices/useDeviceLabels';
import { type ConversationSort, type ConversationSortKey, nextSort, sortConversations } from './conversation-sort';

const REFRESH_MS = 2000;
/** The host answers at most 500 pairs; the busiest come first. */
const LIMIT = 500;
const ROW_HEIGHT = 30;
const KEYS_HINT_ID = 'conversations-keys-hint';

/** `givesWay` columns go below 600 px (styles.css): who talks to whom, how much, stays. */
const COLUMNS: { key: ConversationSortKey; label: string; num?: true; title?: string; givesWay?: 'opt3' }[] = [
  { key: 'from', label: 'From' },
  { key: 'to', label: 'To' },
  { key: 'messages', label: 'Messages', num: true },
  { key: 'bytes', label: 'Bytes', num: true, title: 'Payload bytes sent', givesWay: 'opt3' },
  { key: 'errors', label: 'Errors', num: true, title: 'Messages the broker refused (status other than SUCCESS)', givesWay: 'opt3' },
  { key: 'rate', label: 'Rate', num: true, title: 'Messages per second over the last 10 s', givesWay: 'opt3' },
  { key: 'lastSeen', label: 'Last seen', givesWay: 'opt3' },
];

/** A row's identity for the roving Tab stop: the pair (ids never contain a line break). */
const pairKey = (c: Pick<ConversationStats, 'from' | 'to'>) => `${c.from}\n${c.to}`;

const ConversationRow = memo(function ConversationRow({ c, from, to, index, top, now, tabbable, onOpen }: { c: ConversationStats; from: string; to: string; index: number; top: number; now: number; tabbable: boolean; onOpen: (c: ConversationStats) => void }) {
  return (
    <div
      className="row conversation-row"
      style={{ transform: `translateY(${top}px)` }}
      role="row"
      // only a window of the rows is drawn: each says its place among all (the header is row 1)
      aria-rowindex={index + 2}
      data-testid="conversation-row"
      data-row-key={pairKey(c)}
      data-index={index}
      // one Tab stop for the whole list: the active row is 0, the others -1
      tabIndex={tabbable ? 0 : -1}
      onClick={() => onOpen(c)}
    >
      <span role="cell" className="cell" title={from}>{from}</span>
      <span role="cell" className="cell" title={to}>{to}</span>
      <span role="cell" className="cell num" data-testid="conversation-messages">{c.messages}</span>
      <span role="cell" className="cell num opt3">{formatBytes(c.bytes)}</span>
      <span role="cell" className={`cell num opt3${c.errors > 0 ? ' error-text' : ''}`}>{c.errors}</span>
      <span role="cell" className="cell num opt3">{formatRate(c.msgsPerSecond)}</span>
      <span role="cell" className="cell opt3">{formatAgo(c.lastTs, now)}</span>
    </div>
  );
});

/**
 * Who talks to whom since the host started (Wireshark's "Conversations"), polled every 2 s while
 * shown. Opening a row (click, Enter or Space) hands its pair to `onOpen`.
 *
 * Like the Devices and Traffic lists: virtualized, and one Tab stop (roving tabindex, useRovingRows)
 * with Up/Down/PageUp/PageDown/Home/End between rows. The active row is kept by its pair, so a
 * re-sort or a poll that reorders the rows does not move it.
 */
export function ConversationsTable({ onOpen }: { onOpen: (c: ConversationStats) => void }) {
  const hostReady = useApp((s) => hostHold(s) === null);
  const { data, error } = usePolled('traffic.conversations', { limit: LIMIT }, REFRESH_MS, { enabled: hostReady });
  const answered = useHostAnswered();
  const now = useHostNow(); // stops while the host is away
  const [sort, setSort] = useState<ConversationSort>({ key: 'messages', desc: true });
  const rows = useMemo(() => data?.rows ?? [], [data]);
  const ids = useMemo(() => [...new Set(rows.flatMap((r) => [r.from, r.to]))], [rows]);
  const labels = useDeviceLabels(ids);
  const sorted = useMemo(() => {
    const byId = new Map(ids.map((id, i) => [id, labels[i]!]));
    const name = (id: string) => byId.get(id) ?? id;
    return sortConversations(rows, sort, name).map((c) => ({ c, from: name(c.from), to: name(c.to) }));
  }, [rows, ids, labels, sort]);
  const keys = useMemo(() => sorted.map(({ c }) => pairKey(c)), [sorted]);
  const scroller = useRef<HTMLDivElement>(null);
  const { virtual, tabKey, listProps } = useRovingRows({
    keys,
    rowHeight: ROW_HEIGHT,
    overscan: 10,
    scroller,
    onActivate: (key) => {
      const found = sorted.find(({ c }) => pairKey(c) === key);
      if (found) onOpen(found.c);
    },
  });

  if (rows.length === 0) {
    if (!answered) return <HostWaiting view="conversations" what="Conversations load" />;
    return (
      <EmptyState title="No conversations yet" testId="conversations-empty">
        {error ? <p className="error-text">{error}</p> : null}
        <p>A conversation is a sender and a target: a device reporting to the server, one device commanding another, a broadcast. Each appears here with its message count once it sends its first message.</p>
      </EmptyState>
    );
  }
  return (
    <div className="conversations" data-testid="conversations">
      {error && <p className="error-text">{error}</p>}
      <div className="table" role="table" aria-label="Conversations" aria-describedby={KEYS_HINT_ID} aria-rowcount={sorted.length + 1}>
        <div className="row head conversation-row" role="row" aria-rowindex={1}>
          {COLUMNS.map((col) => (
            // aria-sort belongs to the column header; the button inside it sorts
            <span key={col.key} role="columnheader" className={`cell sort${col.num ? ' num' : ''}${col.givesWay ? ` ${col.givesWay}` : ''}`} aria-sort={sort.key === col.key ? (sort.desc ? 'descending' : 'ascending') : 'none'} title={col.title}>
              <button type="button" onClick={() => setSort((s) => nextSort(s, col.key))}>
                {col.label}
                {sort.key === col.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </button>
            </span>
          ))}
        </div>
        {/* the rows are the Tab stop, not the scroll area */}
        <div className="scroller" role="rowgroup" ref={scroller} tabIndex={-1} {...listProps}>
          <div role="presentation" style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => {
              const { c, from, to } = sorted[item.index]!;
              return <ConversationRow key={keys[item.index]} c={c} from={from} to={to} index={item.index} top={item.start} now={now} tabbable={keys[item.index] === tabKey} onOpen={onOpen} />;
            })}
          </div>
        </div>
      </div>
      <p className="muted" data-testid="conversations-summary">
        {data!.pairs} {data!.pairs === 1 ? 'pair' : 'pairs'} since the host started
        {data!.evicted > 0 && ` · ${data!.evicted} quieter ones dropped (the host keeps the ${data!.maxPairs} most recently active)`}
        {' · '}
        <span className="keys-hint" id={KEYS_HINT_ID}>
          Keys in the list: ↑ ↓ Home End move, Enter or a click shows the conversation in the log
        </span>
      </p>
    </div>
  );
}
