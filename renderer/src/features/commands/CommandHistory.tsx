import type { CommandHistoryEntry } from '../../../../shared/api/contract';
import { formatTime } from '../../components/format';

export function CommandHistory({ history, onReuse }: { history: CommandHistoryEntry[]; onReuse: (e: CommandHistoryEntry) => void }) {
  if (history.length === 0) return <p className="muted">Nothing sent yet.</p>;
  return (
    <table className="simple command-history" data-testid="command-history">
      <thead>
        <tr>
          <th className="opt3">Time</th>
          <th>Target</th>
          <th>Payload</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {history.map((h, i) => (
          <tr
            key={`${h.ts}-${i}`}
            className="clickable"
            onClick={() => onReuse(h)}
            onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onReuse(h))}
            tabIndex={0}
            title="Load into the composer"
          >
            <td className="opt3">{formatTime(h.ts)}</td>
            <td>{h.target}</td>
            <td className="mono payload">{h.payload}</td>
            <td className={h.status === 'failed' ? 'error-text' : ''}>{h.status === 'failed' ? `failed: ${h.error ?? ''}` : 'sent'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
