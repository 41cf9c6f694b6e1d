import { useMemo, useState } from 'react';
import type { TrafficRow } from '../../../../shared/api/contract';
import { cmdLabel, formatTime, statusLabel } from '../../components/format';
import { useApp } from '../../store/context';
import { diffJson } from './diff';
import { hexDump, payloadBytes } from './hex';
import { JsonTree } from './JsonTree';
import { previousOfKind, rowJson, targetOf } from './payload';

type Tab = 'json' | 'hex' | 'diff';

function Header({ row }: { row: TrafficRow }) {
  const fields: [string, string][] = [
    ['Time', formatTime(row.ts)],
    ['Direction', row.dir === 'in' ? 'in (device → broker)' : 'out (broker → device)'],
    ['Session', row.device],
    ['From', row.from ?? '-'],
    ['To', row.to ?? targetOf(row)],
    ['Command', `${cmdLabel(row.cmd)} (${row.cmd})`],
    ['Msg id', String(row.msgId)],
    ['Length', `${row.size} bytes${row.cut ? ' (payload shortened in the log)' : ''}`],
    ['Status', row.status === null ? '-' : `${statusLabel(row.status)} (${row.status})`],
  ];
  return (
    <dl className="header-grid" data-testid="message-header">
      {fields.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Diff({ row, window }: { row: TrafficRow; window?: TrafficRow[] }) {
  const live = useApp((s) => s.rows);
  const rows = window ?? live;
  const prev = useMemo(() => previousOfKind(rows, row), [rows, row]);
  const entries = useMemo(() => (prev ? diffJson(rowJson(prev).inner, rowJson(row).inner) : []), [prev, row]);
  if (!prev) return <p className="muted">No earlier message of this device and kind in the loaded window.</p>;
  return (
    <div data-testid="message-diff">
      <p className="muted">
        Against #{prev.seq} at {formatTime(prev.ts)}: {entries.length === 0 ? 'identical payload' : `${entries.length} change(s)`}
      </p>
      <ul className="diff">
        {entries.map((e) => (
          <li key={e.path} className={`diff-${e.kind}`}>
            <code>{e.path || '(root)'}</code> {e.kind === 'added' ? `+ ${JSON.stringify(e.after)}` : e.kind === 'removed' ? `- ${JSON.stringify(e.before)}` : `${JSON.stringify(e.before)} → ${JSON.stringify(e.after)}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The detail pane of one frame: decoded header, JSON tree, hex and diff (against the previous
 * frame in `window`, by default the live rows).
 */
export function MessageDetail({ row, onClose, window }: { row: TrafficRow; onClose: () => void; window?: TrafficRow[] }) {
  const [tab, setTab] = useState<Tab>('json');
  const json = rowJson(row).envelope;
  const hex = useMemo(() => (tab === 'hex' ? hexDump(payloadBytes(row.payload)) : null), [tab, row]);
  return (
    // tabIndex -1: a click on its text (not a control) keeps the focus in the pane, so Escape still closes it (TrafficView)
    <aside className="detail-pane" data-testid="message-detail" aria-label="Message detail" tabIndex={-1}>
      <div className="pane-head">
        <b>Message #{row.seq}</b>
        <button type="button" className="btn ghost" onClick={onClose} aria-label="Close detail">
          ✕
        </button>
      </div>
      <Header row={row} />
      <div className="tabs" role="tablist">
        {(['json', 'hex', 'diff'] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {t === 'json' ? 'JSON' : t === 'hex' ? 'Hex' : 'Diff vs previous'}
          </button>
        ))}
      </div>
      <div className="tab-body">
        {tab === 'json' && (json === undefined ? <pre className="mono">{row.payload}</pre> : <JsonTree value={json} />)}
        {tab === 'hex' && hex && (
          <pre className="mono hex" data-testid="message-hex">
            {hex.lines.join('\n')}
            {hex.hidden > 0 && `\n… ${hex.hidden} more bytes not shown`}
          </pre>
        )}
        {tab === 'diff' && <Diff row={row} window={window} />}
      </div>
    </aside>
  );
}
