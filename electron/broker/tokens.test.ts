import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { Broker } from './broker';
import { duplexPair } from './testing/duplex-pair';
import { testToken } from './testing/fixtures';
import { V2Client } from './testing/v2-client';
import { MemoryTokenStore, type TokenStore, generateToken, hashToken } from './tokens';

describe('MemoryTokenStore', () => {
  it('issues tokens with at least 128 random bits and returns the plaintext only once', () => {
    const store = new MemoryTokenStore();
    const token = store.create('lamp');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 bytes = 192 bits, URL-safe
    expect(new Set(Array.from({ length: 1_000 }, generateToken)).size).toBe(1_000);
    expect(JSON.stringify(store.list())).not.toContain(token);
    // Only the SHA-256 hash is held anywhere inside the store.
    const inside = inspect(store, { depth: 10, maxArrayLength: null });
    expect(inside).not.toContain(token);
    expect(inside).toContain(hashToken(token).toString('hex'));
  });

  it('verifies, rotates and revokes', () => {
    let now = 1_000;
    const store = new MemoryTokenStore(() => now);
    const first = store.create('lamp');
    expect(store.verify(first)).toBe('lamp');
    expect(store.verify(first.slice(0, -1) + (first.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(store.verify('')).toBeNull();
    now = 2_000;
    const second = store.rotate('lamp');
    expect(store.verify(first)).toBeNull();
    expect(store.verify(second)).toBe('lamp');
    expect(store.list()).toEqual([{ id: 'lamp', createdAt: 1_000, revokedAt: null, lastUsedAt: 2_000 }]);
    expect(store.revoke('lamp')).toBe(true);
    expect(store.revoke('lamp')).toBe(false);
    expect(store.verify(second)).toBeNull();
    expect(store.has('lamp')).toBe(false);
    expect(store.list()[0]!.revokedAt).toBe(2_000);
    // A revoked device can be given a new token by rotation.
    expect(store.verify(store.rotate('lamp'))).toBe('lamp');
  });

  it('refuses bad ids, duplicate ids and tokens a legacy LOGIN could not carry', () => {
    const store = new MemoryTokenStore();
    expect(() => store.create('has space')).toThrow();
    expect(() => store.create('__proto__x'.repeat(10))).toThrow();
    store.add('a', 'legacy-token-000000000001');
    expect(() => store.add('a', 'another-token-000000001')).toThrow(/active token/);
    expect(() => store.add('b', 'legacy-token-000000000001')).toThrow(/in use/);
    expect(() => store.add('c', '{"json":1,"pad":"xxxxxx"}')).toThrow(/start with/);
    expect(() => store.add('c', 'short')).toThrow(/too short/);
    expect(() => store.add('c', 'with space inside the token')).toThrow(/without spaces/);
    expect(store.verify('legacy-token-000000000001')).toBe('a');
    expect(store.has('constructor')).toBe(false);
    expect(store.verify('constructor')).toBeNull();
  });

  it('refuses a chosen token under 128 bits (22 characters, docs/PROTOCOL.md 3.3): its unsalted hash could be cracked offline', () => {
    const store = new MemoryTokenStore();
    expect(() => store.add('weak', 'tok-weak')).toThrow(/token too short: at least 22 characters/);
    expect(() => store.add('weak', 'a'.repeat(21))).toThrow(/too short/);
    expect(store.has('weak')).toBe(false);
    expect(store.verify('tok-weak')).toBeNull();
    expect(() => store.add('edge', 'b'.repeat(22))).not.toThrow();
    const generated = generateToken();
    store.add('strong', generated);
    expect(store.verify(generated)).toBe('strong');
    expect(store.verify(store.create('made'))).toBe('made');
  });

  it('issues no token as "server" or "broadcast": a device so named would pass for the panel, or never be reached', () => {
    const store = new MemoryTokenStore();
    for (const id of ['server', 'broadcast']) {
      expect(() => store.create(id)).toThrow(/invalid device id/);
      expect(() => store.add(id, 'legacy-token-000000000002')).toThrow(/invalid device id/);
    }
    expect(store.create('server-room')).toHaveLength(32);
  });
});

describe('login', () => {
  it('refuses a token that a store (an old database) still holds for "server"', async () => {
    const real = new MemoryTokenStore();
    real.add('lamp', testToken('lamp'));
    // what a database from before the rule could answer
    const tokens: TokenStore = { verify: (t) => (t === 'old-server-token-000' ? 'server' : real.verify(t)), create: (id) => real.create(id), rotate: (id) => real.rotate(id), revoke: (id) => real.revoke(id), list: () => real.list() };
    const broker = new Broker({ tokens });
    const connect = () => {
      const [brokerSide, deviceSide] = duplexPair();
      broker.handle(brokerSide, { address: 'mem', transport: 'tcp' });
      return new V2Client(deviceSide);
    };
    expect(await connect().login('old-server-token-000')).toBe(Status.INVALID_TOKEN);
    expect(await connect().login(testToken('lamp'))).toBe(Status.SUCCESS);
    await broker.close();
  });
});
