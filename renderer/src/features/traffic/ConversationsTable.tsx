import { useMemo, useState } from 'react';
import type { ConversationStats } from '../../../../shared/api/contract';
import { EmptyState } from '../../components/EmptyState';
import { formatAgo, formatBytes, formatRate } from '../../components/format';
import { HostWaiting, hostHold, useHostAnswered } from '../../components/hostGate';
import { useNow } from '../../components/useNow';
import { usePolled } from '../../components/usePolled';
import { useApp } from '../../store/context';
import { useDeviceLabels } from '../devices/useDeviceLabels';
import { type ConversationSort, type ConversationSortKey, nextSort, sortConversations } from './conversation-sort';

const REFRESH_MS = 2000;
/** The host answers at most 500 pairs; the busiest come first. */
const LIMIT = 500;

const COLUMNS: { key: ConversationSortKey; label: string; num?: true; title?: string }[] = [
  { key: 'from', label: 'From' },
  { key: 'to', label: 'To' },
  { key: 'messages', label: 'Messages', num: true },
  { key: 'bytes', label: 'Bytes', num: true, title: 'Payload bytes sent' },
  { key: 'errors', label: 'Errors', num: true, title: 'Messages the broker refused (status other than SUCCESS)' },
  { key: 'rate', label: 'Rate', num: true, title: 'Messages per second over the last 10 s' },
  { key: 'lastSeen', label: 'Last seen' },
];

/**
 * Who talks to whom since the host started (Wireshark's "Conversations"), polled every 2 s while
 * shown. Opening a row (click, Enter or Space) hands its pair to `onOpen`.
 */
export function ConversationsTable({ onOpen }: { onOpen: (c: ConversationStats) => void }) {
  const hostReady = useApp((s) => hostHold(s) === null);
  const { data, error } = usePolled('traffic.conversations', { limit: LIMIT }, REFRESH_MS, { enabled: hostReady });
  const answered = useHostAnswered();
  const now = useNow();
  const [sort, setSort] = useState<ConversationSort>({ key: 'messages', desc: true });
  const rows = useMemo(() => data?.rows ?? [], [data]);
  const ids = useMemo(() => [...new Set(rows.flatMap((r) => [r.from, r.to]))], [rows]);
  const labels = useDeviceLabels(ids);
  const sorted = useMemo(() => {
    const byId = new Map(ids.map((id, i) => [id, labels[i]!]));
    const name = (id: string) => byId.get(id) ?? id;
    return sortConversations(rows, sort, name).map((c) => ({ c, from: name(c.from), to: name(c.to) }));
  }, [rows, ids, labels, sort]);

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
      <div className="conversations-scroll">
        <table className="simple" aria-label="Conversations" aria-describedby="conversations-hint">
          <thead>
            <tr>
              {COLUMNS.map((col) => (
                // aria-sort belongs to the column header; the button inside it sorts
                <th key={col.key} className={`sort${col.num ? ' num' : ''}`} aria-sort={sort.key === col.key ? (sort.desc ? 'descending' : 'ascending') : 'none'} title={col.title}>
                  <button type="button" onClick={() => setSort((s) => nextSort(s, col.key))}>
                    {col.label}
                    {sort.key === col.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.map(({ c, from, to }) => {
              const open = () => onOpen(c);
              return (
                <tr
                  key={`${c.from}\n${c.to}`}
                  className="clickable"
                  tabIndex={0}
                  data-testid="conversation-row"
                  onClick={open}
                  onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), open())}
                >
                  <td title={from}>{from}</td>
                  <td title={to}>{to}</td>
                  <td className="num" data-testid="conversation-messages">{c.messages}</td>
                  <td className="num">{formatBytes(c.bytes)}</td>
                  <td className={`num${c.errors > 0 ? ' error-text' : ''}`}>{c.errors}</td>
                  <td className="num">{formatRate(c.msgsPerSecond)}</td>
                  <td>{formatAgo(c.lastTs, now)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted" id="conversations-hint" data-testid="conversations-summary">
        {data!.pairs} {data!.pairs === 1 ? 'pair' : 'pairs'} since the host started
        {data!.evicted > 0 && ` · ${data!.evicted} quieter ones dropped (the host keeps the ${data!.maxPairs} most recently active)`} · Enter or a click shows a conversation in the log
      </p>
    </div>
  );
}
