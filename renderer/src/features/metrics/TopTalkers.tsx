import { formatBytes, formatRate } from '../../components/format';
import { HOST_CONNECTING_TEXT, useHostAnswered } from '../../components/hostGate';
import { usePolled } from '../../components/usePolled';
import { useApp } from '../../store/context';
import { useDeviceLabels } from '../devices/useDeviceLabels';

const REFRESH_MS = 5000;

/** Who floods the broker: the host's top talkers, refreshed every 5 s while shown. */
export function TopTalkers() {
  const navigate = useApp((s) => s.navigate);
  const { data, error } = usePolled('metrics.topTalkers', { limit: 10 }, REFRESH_MS);
  const rows = data ?? [];
  const names = useDeviceLabels(rows.map((r) => r.device));
  const answered = useHostAnswered();
  return (
    <div className="card" data-testid="top-talkers">
      <h3>Top talkers</h3>
      {error && <p className="error-text">{error}</p>}
      {rows.length === 0 ? (
        <p className="muted">{answered ? 'Nobody is talking yet.' : HOST_CONNECTING_TEXT}</p>
      ) : (
        <table className="simple top-talkers">
          <thead>
            <tr>
              <th>Device</th>
              <th>msgs/s</th>
              <th>bytes/s</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr
                key={r.device}
                onClick={() => navigate('device', r.device)}
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), navigate('device', r.device))}
                tabIndex={0}
                className="clickable"
              >
                <td>{names[i]}</td>
                <td>{formatRate(r.msgsPerSecond)}</td>
                <td>{formatBytes(r.bytesPerSecond)}/s</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
