import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MemoryTokenStore, generateToken, hashToken } from './tokens';

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
    store.add('a', 'legacy-token-0000001');
    expect(() => store.add('a', 'another-token-00001')).toThrow(/active token/);
    expect(() => store.add('b', 'legacy-token-0000001')).toThrow(/in use/);
    expect(() => store.add('c', '{"json":1}')).toThrow();
    expect(() => store.add('c', 'short')).toThrow();
    expect(() => store.add('c', 'with space inside')).toThrow();
    expect(store.verify('legacy-token-0000001')).toBe('a');
    expect(store.has('constructor')).toBe(false);
    expect(store.verify('constructor')).toBeNull();
  });
});
