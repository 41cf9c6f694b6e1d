import { describe, expect, it } from 'vitest';
import { simulatedSession } from './simulated';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('UDP session over a perfect simulated link', () => {
  it('opens on the first authenticated HELLO and routes envelopes both ways', () => {
    const s = simulatedSession();
    s.clock.run(100);
    expect(s.transport.isOpen('dev-1')).toBe(true);
    expect(s.client.send('server', '{"t":21.5}', 'ordered')).toBe(true);
    s.clock.run(200);
    expect(s.atBroker).toHaveLength(1);
    expect(s.atBroker[0]!.from).toBe('dev-1');
    expect(s.atBroker[0]!.targetId).toBe('server');
    expect(text(s.atBroker[0]!.payload)).toBe('{"t":21.5}');
    expect(s.transport.deliver('dev-1', 'server', new TextEncoder().encode('{"cmd":"toggle"}'))).toBe(true);
    s.clock.run(300);
    expect(s.atDevice.map((m) => text(m.data))).toEqual(['{"from":"server","payload":{"cmd":"toggle"}}']);
  });
});
