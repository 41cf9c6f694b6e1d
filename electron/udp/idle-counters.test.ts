import { describe, expect, it } from 'vitest';
import { simulatedSession } from './simulated';

describe('an idle session whose heartbeat ACKs come late (simulated link, virtual clock)', () => {
  it('counts no spurious retransmission: a late heartbeat resent nothing', () => {
    const s = simulatedSession();
    s.clock.run(2000, () => s.transport.isOpen('dev-1'));
    s.clock.run(s.clock.now() + 3000);
    // the link slows past the RTO for a while (a Wi-Fi hiccup): heartbeats are declared lost, then ACKed
    s.net.profile = { ...s.net.profile, delayMs: 700 };
    s.clock.run(s.clock.now() + 6000);
    s.net.profile = { ...s.net.profile, delayMs: 1 };
    s.clock.run(s.clock.now() + 6000);
    expect(s.transport.isOpen('dev-1')).toBe(true);
    const counters = s.transport.sessions()[0]!.counters!;
    expect(counters.retransmits).toBe(0);
    expect(counters.spuriousRetransmits).toBe(0);
  });
});
