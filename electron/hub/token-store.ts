import { timingSafeEqual } from 'node:crypto';
import type { TokenInfo } from '../../shared/api/contract';
import { isValidDeviceId } from '../../shared/protocol';
import { generateToken, hashToken, type TokenStore } from '../broker/tokens';
import { gatedWrite, type Db } from './db';

interface Row {
  id: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

/**
 * The broker's TokenStore (electron/broker/index.ts) backed by SQLite. Only SHA-256 hashes are stored; the
 * plaintext is returned once by create/rotate. Lookups hit an in-memory index of the active hashes;
 * last-used times are written in the hub's batched flush, not on the login path.
 */
export class SqliteTokenStore implements TokenStore {
  private readonly byHash = new Map<string, string>();
  private readonly rows = new Map<string, Row>();
  private usedSinceFlush = new Map<string, number>();
  /** What the last flushUsage() took: a Flusher runs it once a round, then settleUsage() says how it ended. */
  private roundUsage = new Map<string, number>();

  constructor(private readonly db: Db) {
    for (const row of db.prepare<[], Row>('SELECT * FROM tokens').all()) {
      this.rows.set(row.id, row);
      if (row.revoked_at === null) this.byHash.set(row.hash, row.id);
    }
  }

  verify(token: string): string | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return null;
    const hash = hashToken(token);
    const hex = hash.toString('hex');
    const id = this.byHash.get(hex);
    if (id === undefined) return null;
    const row = this.rows.get(id);
    // The map lookup is on a hash (reveals nothing about the token); the final check is constant time.
    if (!row || row.revoked_at !== null || !timingSafeEqual(Buffer.from(row.hash, 'hex'), hash)) return null;
    const now = Date.now();
    row.last_used_at = now;
    this.usedSinceFlush.set(id, now);
    return id;
  }

  create(id: string): string {
    const existing = this.rows.get(id);
    if (existing && existing.revoked_at === null) throw new Error(`a token for "${id}" already exists; rotate it instead`);
    return this.issue(id);
  }

  rotate(id: string): string {
    return this.issue(id);
  }

  revoke(id: string): boolean {
    const row = this.rows.get(id);
    if (!row || row.revoked_at !== null) return false;
    // the database first: a write that fails (a full disk) changes nothing, where memory first would
    // revoke the token until a restart brought it back
    const at = Date.now();
    gatedWrite(this.db, () => this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(at, id));
    row.revoked_at = at;
    this.byHash.delete(row.hash);
    return true;
  }

  /** Removes a revoked token's row for good; an active token must be revoked first. */
  delete(id: string): boolean {
    const row = this.rows.get(id);
    if (!row || row.revoked_at === null) return false;
    this.rows.delete(id);
    gatedWrite(this.db, () => this.db.prepare('DELETE FROM tokens WHERE id = ? AND revoked_at IS NOT NULL').run(id));
    return true;
  }

  list(): TokenInfo[] {
    return [...this.rows.values()]
      .map((r) => ({ id: r.id, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  has(id: string): boolean {
    return this.status(id) === 'active';
  }

  status(id: string): 'active' | 'revoked' | 'none' {
    const row = this.rows.get(id);
    return !row ? 'none' : row.revoked_at === null ? 'active' : 'revoked';
  }

  /** Flush task: persists last-used times (called inside the hub's write transaction). */
  flushUsage(): void {
    const used = this.usedSinceFlush;
    this.roundUsage = used;
    if (used.size === 0) return;
    const stmt = this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
    for (const [id, ts] of used) stmt.run(ts, id);
    this.usedSinceFlush = new Map();
  }

  /**
   * After a flusher round. Rolled back (another task threw, or the COMMIT failed): the times it
   * wrote are not in the file, so they are pending again, under any newer time of the same token
   * (the round is synchronous, so in practice none was recorded in between; one recorded after
   * this simply replaces the entry).
   */
  settleUsage(committed: boolean): void {
    const used = this.roundUsage;
    this.roundUsage = new Map();
    if (committed || used.size === 0) return;
    for (const [id, ts] of this.usedSinceFlush) used.set(id, ts);
    this.usedSinceFlush = used;
  }

  private issue(id: string): string {
    // the broker writes ids into envelopes unescaped ({"from":"<id>"}): only valid ids get a token,
    // whoever calls (the API checks too)
    if (!isValidDeviceId(id)) throw new Error(`invalid device id ${JSON.stringify(id)}`);
    const token = generateToken();
    const hash = hashToken(token).toString('hex');
    const row: Row = { id, hash, created_at: Date.now(), revoked_at: null, last_used_at: null };
    const upsert = this.db.prepare('INSERT INTO tokens (id, hash, created_at, revoked_at, last_used_at) VALUES (@id, @hash, @created_at, NULL, NULL) ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at, revoked_at = NULL, last_used_at = NULL');
    // the database first: a rotate whose write fails leaves the old token working, as on disk
    gatedWrite(this.db, () => upsert.run(row));
    const old = this.rows.get(id);
    if (old) this.byHash.delete(old.hash);
    // the old token's use not yet written must not land on the new token's row
    this.usedSinceFlush.delete(id);
    this.rows.set(id, row);
    this.byHash.set(hash, id);
    return token;
  }
}
