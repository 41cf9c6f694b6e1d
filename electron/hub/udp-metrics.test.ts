import { afterAll, describe, expect, it } from 'vitest';
import { KeyValue, openDatabase } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir('hypertcp-udp-metrics-');
afterAll(() => tmp.cleanup());
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('hub: UDP counters become per-second metrics (real SQLite file)', () => {
  it('records loss, retransmits and late acks apart, per device and in total, and stores their minutes', async () => {
    const db = openDatabase(`${tmp.dir}/udp.db`);
    const counters = { lostPackets: 5, retransmits: 20, spuriousRetransmits: 7 }; // before the hub looked
    const udp = { sessions: () => [{ deviceId: 'sensor-1', counters }] };
    const hub = new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), udp, checkpointEveryMs: 0 });
    hub.tick(T0);
    counters.lostPackets += 1;
    counters.retransmits += 4;
    counters.spuriousRetransmits += 3;
    hub.tick(T0 + 1_000);
    hub.tick(T0 + 2_000);
    const second = (device?: string) => hub.metrics.query(device, '5m', T0 + 2_000).find((p) => p.ts === T0 + 1_000)!;
    for (const device of ['sensor-1', undefined]) {
      expect(second(device)).toMatchObject({ udpLoss: 1, udpRetransmits: 4, udpSpurious: 3 });
    }
    // the first look only sets the baseline: counts from before it are not a burst at start
    expect(hub.metrics.query('sensor-1', '5m', T0 + 2_000).find((p) => p.ts === T0)?.udpSpurious ?? 0).toBe(0);

    hub.tick(T0 + 60_000);
    hub.tick(T0 + 61_000); // a closed second of the next minute closes minute T0
    hub.metrics.flush(T0 + 61_000);
    const row = db.prepare('SELECT udp_loss, udp_retransmits, udp_spurious FROM metrics_minute WHERE device = ? AND ts = ?').get('sensor-1', T0) as Record<string, number>;
    expect(row).toEqual({ udp_loss: 1, udp_retransmits: 4, udp_spurious: 3 });
    expect(hub.metrics.query('sensor-1', '24h', T0 + 61_000).find((p) => p.ts === T0)).toMatchObject({ udpLoss: 1 / 60, udpSpurious: 3 / 60 }); // per-second averages of the minute
    await hub.close();
    db.close();
  });
});
