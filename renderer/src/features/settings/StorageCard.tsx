import { useState } from 'react';
import type { StorageStats } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { formatAgo, formatBytes, formatValue } from '../../components/format';
import { useHostGate } from '../../components/hostGate';
import { usePolled } from '../../components/usePolled';
import { useApi, useApp } from '../../store/context';

/** How often the card asks the host again while it is shown. */
export const STORAGE_REFRESH_MS = 5_000;

/**
 * The database at a glance: where it is, how big, how full the traffic log is against its caps,
 * whether writes keep up (rows dropped before the log, slow write rounds) and which thread writes traffic.
 */
export function StorageCard() {
  const { data: stats, error } = usePolled('storage.stats', {}, STORAGE_REFRESH_MS);
  return (
    <div className="card" data-testid="storage-card">
      <h2>Storage</h2>
      {error && <p className="error-text">Could not read the database's state: {error}</p>}
      {!stats && !error && <p className="muted">Reading the database…</p>}
      {stats && <StorageDetails stats={stats} now={Date.now()} />}
      <BackupButton />
    </div>
  );
}

/** A consistent copy of the database beside it (the newest 5 are kept); says where it went. */
function BackupButton() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<string | null>(null);
  const gate = useHostGate();
  const run = async () => {
    setBusy(true);
    try {
      const r = await api.call('storage.backup', {});
      setLast(`Backed up to ${r.path} (${formatBytes(r.bytes)})${r.removed ? `; ${r.removed} older backup${r.removed === 1 ? '' : 's'} removed` : ''}`);
    } catch (err) {
      notify('error', `Backup failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="row-actions backup">
      {/* aria-disabled while it runs, not disabled: a disabled button drops the keyboard focus to the page body */}
      <button type="button" className="btn" onClick={() => !busy && void run()} disabled={gate.down} aria-disabled={busy || undefined} aria-busy={busy} {...gate.why}>
        {busy ? 'Backing up…' : 'Back up now'}
      </button>
      {gate.note}
      {last && (
        <span className="muted" data-testid="backup-result">
          {last}
        </span>
      )}
    </div>
  );
}

export function StorageDetails({ stats, now }: { stats: StorageStats; now: number }) {
  const { traffic, telemetry, writes } = stats;
  const full = traffic.capBytes > 0 ? Math.min(1, traffic.bytes / traffic.capBytes) : 0;
  return (
    <dl className="storage-grid">
      <dt>Database</dt>
      <dd>
        <code title={stats.path}>{stats.path}</code> · {formatBytes(stats.fileBytes)}
        {stats.walBytes > 0 && <span className="muted"> + {formatBytes(stats.walBytes)} write-ahead log</span>}
      </dd>
      <dt>Traffic log</dt>
      <dd>
        <meter min={0} max={1} value={full} high={0.9} aria-label="Traffic log size against its cap" data-testid="storage-meter" />{' '}
        <span data-testid="storage-traffic">
          {traffic.rows.toLocaleString('en-US')} messages, {formatBytes(traffic.bytes)} of {formatBytes(traffic.capBytes)} ({Math.round(full * 100)} %)
        </span>
        <div className="muted">
          {traffic.oldestTs === null ? 'empty' : `oldest from ${formatAgo(traffic.oldestTs, now)}`}; kept for {traffic.maxAgeDays} days or up to the size cap,
          whichever comes first (the oldest go first)
        </div>
      </dd>
      <dt>Telemetry history</dt>
      <dd data-testid="storage-telemetry">
        {telemetry.oldestTs === null ? 'none yet (a minute is stored when it ends)' : `${telemetry.rows.toLocaleString('en-US')} minute rows, oldest from ${formatAgo(telemetry.oldestTs, now)}`}; kept for{' '}
        {telemetry.maxAgeDays} days, at most {telemetry.maxRows.toLocaleString('en-US')} rows (the oldest go first)
        {telemetry.skipped > 0 && (
          <strong className="error-text">
            {' '}
            · {telemetry.skipped.toLocaleString('en-US')} readings were not kept (more devices or channels in a minute than the limits, or the write queue was full)
          </strong>
        )}
      </dd>
      <dt>Writes</dt>
      <dd data-testid="storage-writes">
        {writes.rounds.toLocaleString('en-US')} rounds since start, slowest {writes.slowestMs} ms
        {writes.slowRounds > 0 && <>, {writes.slowRounds} over {writes.slowMs} ms</>}
        {traffic.queued > 0 && <>; {traffic.queued.toLocaleString('en-US')} messages waiting</>}
        {traffic.dropped > 0 && (
          <strong className="error-text">
            {' '}
            · {traffic.dropped.toLocaleString('en-US')} messages were not logged (the write queue was full)
          </strong>
        )}
      </dd>
      <dt>Traffic writer</dt>
      <dd data-testid="storage-writer">
        <WriterLine writer={stats.writer} />
      </dd>
    </dl>
  );
}

/** Which thread writes traffic rows; a background thread that failed is a warning (the broker's thread does it now). */
function WriterLine({ writer }: { writer: StorageStats['writer'] }) {
  if (writer.mode === 'thread') {
    return (
      <>
        background thread · {formatValue(writer.written)} rows written · {formatValue(writer.inFlight)} in flight
      </>
    );
  }
  return (
    <>
      main thread
      {writer.failure !== null && (
        <strong className="error-text">
          {' '}
          · the background thread failed: {writer.failure}
          {writer.written > 0 && <> (after writing {formatValue(writer.written)} rows)</>}; writing on the main thread slows devices under heavy traffic
        </strong>
      )}
    </>
  );
}
