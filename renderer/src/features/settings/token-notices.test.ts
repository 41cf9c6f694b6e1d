import { describe, expect, it } from 'vitest';
import { revokeNotice } from './token-notices';

describe('revokeNotice', () => {
  it('says whether a live session was closed', () => {
    expect(revokeNotice('lamp', { closedSession: true })).toBe('Token of lamp revoked; its session was closed');
    expect(revokeNotice('lamp', { closedSession: false })).toBe('Token of lamp revoked; it had no live session');
  });
});
