import { Fragment, useMemo } from 'react';
import type { UdpDropRate, UdpDropReason, UdpDropStats, UdpEndpointDrops, UdpSourceDropReason } from '../../../../shared/api/contract';
import { formatAgo, formatDuration } from '../../components/format';
import { PALETTE, SeriesChart, type SeriesDef } from '../../components/SeriesChart';
import { usePolled } from '../../components/usePolled';

/** How often the card asks the host again while it is shown. */
export const UDP_DROPS_REFRESH_MS = 5_000;
const SOURCES_SHOWN = 10;

/** Datagrams received and dropped, in the words a user reads (docs/PROTOCOL.md 9.7). */
const SOURCE_REASONS: Record<UdpSourceDropReason, string> = {
  header: 'not this protocol (junk, wrong version or size)',
  unknownSession: 'no such session (expired, from before a restart, or made up)',
  helloRejected: 'session start refused (wrong device nonce, or data before it)',
  helloThrottled: 'too many session starts in a second',
  authFailed: 'failed authentication (wrong key or corrupted)',
  replayed: 'replayed (a copy of one already received)',
  malformed: 'authenticated but unreadable (malformed frames)',
  badEnvelope: 'invalid message envelope',
};

/** The broker's own losses: not datagrams a sender can be blamed for. */
const OTHER_REASONS: Partial<Record<keyof UdpEndpointDrops, string>> = {
  amplificationLimited: 'replies held back to an unconfirmed address (anti-amplification)',
  unfinishedAtClose: 'messages unfinished when their session closed',
};

/** Who hits the UDP port with datagrams the broker drops, and why: what a device that cannot get through, or a spray of junk, leaves behind. */
export function UdpDropsCard() {
  const { data, error } = usePolled('udp.drops', { limit: SOURCES_SHOWN }, UDP_DROPS_REFRESH_MS);
  return (
    <div className="card udp-drops" data-testid="udp-drops-card">
      <h2>UDP drops</h2>
      {error && <p className="error-text">Could not read the UDP endpoint's counts: {error}</p>}
      {!data && !error && <p className="muted">Reading the UDP endpoint…</p>}
      {data && <UdpDropsDetails stats={data} now={Date.now()} />}
    </div>
  );
}

export function UdpDropsDetails({ stats, now }: { stats: UdpDropStats; now: number }) {
  if (!stats.enabled) return <p className="muted" data-testid="udp-drops-off">UDP is off in this run: devices use TCP only, so nothing is counted here.</p>;
  const received = (Object.keys(SOURCE_REASONS) as UdpSourceDropReason[]).filter((r) => stats.drops[r] > 0);
  const other = (Object.keys(OTHER_REASONS) as (keyof UdpEndpointDrops)[]).filter((r) => stats.drops[r] > 0);
  const total = received.reduce((n, r) => n + stats.drops[r], 0);
  const port = <span className="muted"> (port {stats.port}, since the host started)</span>;
  if (received.length === 0 && other.length === 0) {
    return (
      <p data-testid="udp-drops-none">
        No UDP datagrams dropped{port}
      </p>
    );
  }
  return (
    <>
      <DropRate rate={stats.rate} />
      <p data-testid="udp-drops-total">
        {total.toLocaleString('en-US')} datagram{total === 1 ? '' : 's'} dropped{port}
      </p>
      <dl className="storage-grid" data-testid="udp-drops-reasons">
        {[...received.map((r) => [r, SOURCE_REASONS[r]] as const), ...other.map((r) => [r, OTHER_REASONS[r]!] as const)].map(([r, label]) => (
          <Fragment key={r}>
            <dt>{stats.drops[r].toLocaleString('en-US')}</dt>
            <dd>{label}</dd>
          </Fragment>
        ))}
      </dl>
      {stats.sources.length > 0 && <DropSources stats={stats} now={now} />}
    </>
  );
}

/** A reason's words without their explanation, short enough for a legend: "failed authentication". */
const shortLabel = (r: UdpDropReason) => (SOURCE_REASONS[r as UdpSourceDropReason] ?? OTHER_REASONS[r] ?? r).replace(/ \(.*\)$/, '');

/** Whether drops happen now: per second by reason over the host's last steps, or a plain sentence when none. */
export function DropRate({ rate }: { rate: UdpDropRate }) {
  const minutes = `${Math.round(rate.windowMs / 60_000)} minutes`;
  // once per answer from the host (every 5 s), not per render: the chart redraws on new rows only
  const { reasons, series, data } = useMemo(() => {
    const reasons = [...Object.keys(SOURCE_REASONS), ...Object.keys(OTHER_REASONS)].filter((r) => rate.points.some((p) => (p.perSecond[r as UdpDropReason] ?? 0) > 0)) as UdpDropReason[];
    const series: SeriesDef[] = reasons.map((r, i) => ({ key: r, label: shortLabel(r), color: PALETTE[i % PALETTE.length]! }));
    const data = rate.points.map((p) => Object.fromEntries([['ts', p.ts], ...reasons.map((r) => [r, p.perSecond[r] ?? 0])]) as Record<string, number>);
    return { reasons, series, data };
  }, [rate]);
  if (reasons.length === 0) {
    return (
      <p className="muted" data-testid="udp-drops-rate-none">
        No datagrams refused in the last {minutes}
      </p>
    );
  }
  const newest = rate.points.at(-1)!.ts;
  return <SeriesChart title={`Dropped per second, last ${minutes}`} note={`By reason, each point the average of ${rate.stepMs / 1000} s.`} span={{ from: newest - rate.windowMs, to: newest }} data={data} series={series} height={180} testId="udp-drops-rate" />;
}

function DropSources({ stats, now }: { stats: UdpDropStats; now: number }) {
  return (
    <>
      <h3>Top sources</h3>
      <table className="simple" data-testid="udp-drops-sources">
        <thead>
          <tr>
            <th>Address</th>
            <th className="num">Dropped</th>
            <th>Last reason</th>
            <th>Last</th>
          </tr>
        </thead>
        <tbody>
          {stats.sources.map((s) => (
            <tr key={s.address}>
              <td>
                <code>{s.address}</code>
              </td>
              <td className="num">{s.count.toLocaleString('en-US')}</td>
              <td>{SOURCE_REASONS[s.lastReason] ?? s.lastReason}</td>
              <td>{formatAgo(s.lastTs, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Addresses with a drop in the last {formatDuration(stats.forgetMs)}; the host tracks at most {stats.capacity}
        {stats.evicted > 0 && <> ({stats.evicted.toLocaleString('en-US')} made room for others, so counts may be partial)</>}.
      </p>
    </>
  );
}
