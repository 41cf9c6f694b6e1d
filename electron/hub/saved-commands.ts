import { randomUUID } from 'node:crypto';
import type { AuditEntry, CommandHistoryEntry, SavedCommand } from '../../shared/api/contract';
import { gatedWrite, type Db } from './db';
import { DatabaseLockedError } from './db-lock';

const MAX_SAVED = 1000;
const MAX_HISTORY = 10_000;
const MAX_AUDIT = 100_000;
/** History and audit entries kept in memory while another program holds the database's lock; past this the oldest go, counted. */
const MAX_WAITING = 1_000;

/** A command history or audit entry, as written. */
type CommandRecord =
  | { kind: 'history'; entry: CommandHistoryEntry }
  | { kind: 'audit'; ts: number; action: string; target: string | null; detail: string | null };

/** The store is full: the caller can delete some (the API answers conflict). */
export class SavedCommandsFull extends Error {
  constructor() {
    super(`at most ${MAX_SAVED} saved commands; delete some first`);
  }
}

/** Replaces {{ts}}, {{uuid}} and {{device}}; other {{...}} stay as written. JSON-escaped. */
export function expandTemplate(template: string, vars: { device: string; now?: number }): string {
  const values: Record<string, string> = {
    ts: String(vars.now ?? Date.now()),
    uuid: randomUUID(),
    device: vars.device,
  };
  return template.replace(/\{\{\s*(ts|uuid|device)\s*\}\}/g, (_, name: string) => JSON.stringify(values[name]).slice(1, -1));
}

/** Saved command templates, the command history and the audit trail of admin actions. */
export class CommandStore {
  // prepared once: history and audit are written on every command sent and every admin action
  private readonly insertHistory;
  private readonly trimHistory;
  private readonly insertAudit;
  private readonly trimAudit;
  private readonly writeRecords;
  /**
   * Entries that found the database locked by another program, oldest first: what they record (a
   * command sent, an admin action) has happened, so it does not fail for them; the next write, or
   * the next flusher round that gets through (flushWaiting), writes them.
   */
  private waiting: CommandRecord[] = [];
  private round: CommandRecord[] = [];
  /** Entries dropped from `waiting` at its bound. */
  lostToLock = 0;

  constructor(private readonly db: Db) {
    this.insertHistory = db.prepare('INSERT INTO command_history (ts, target, payload, status, error) VALUES (?, ?, ?, ?, ?)');
    this.trimHistory = db.prepare('DELETE FROM command_history WHERE id <= (SELECT max(id) FROM command_history) - ?');
    this.insertAudit = db.prepare('INSERT INTO audit (ts, action, target, detail) VALUES (?, ?, ?, ?)');
    this.trimAudit = db.prepare('DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?');
    this.writeRecords = db.transaction((records: CommandRecord[]) => {
      for (const r of records) {
        if (r.kind === 'history') this.insertHistory.run(r.entry.ts, r.entry.target, r.entry.payload, r.entry.status, r.entry.error);
        else this.insertAudit.run(r.ts, r.action, r.target, r.detail);
      }
      if (records.some((r) => r.kind === 'history')) this.trimHistory.run(MAX_HISTORY);
      if (records.some((r) => r.kind === 'audit')) this.trimAudit.run(MAX_AUDIT);
    });
  }

  list(device?: string, kinds: string[] = []): SavedCommand[] {
    const rows = this.db.prepare('SELECT id, name, scope, template FROM saved_commands ORDER BY name').all() as SavedCommand[];
    if (!device) return rows;
    return rows.filter((r) => r.scope === null || r.scope === device || kinds.some((k) => r.scope === `kind:${k}`));
  }

  get(id: string): SavedCommand | null {
    return (this.db.prepare('SELECT id, name, scope, template FROM saved_commands WHERE id = ?').get(id) as SavedCommand | undefined) ?? null;
  }

  save(cmd: Omit<SavedCommand, 'id'> & { id?: string | undefined }): SavedCommand {
    const id = cmd.id ?? randomUUID();
    const count = (this.db.prepare('SELECT count(*) AS n FROM saved_commands').get() as { n: number }).n;
    if (!this.get(id) && count >= MAX_SAVED) throw new SavedCommandsFull();
    const upsert = this.db.prepare('INSERT INTO saved_commands (id, name, scope, template, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, scope = excluded.scope, template = excluded.template, updated_at = excluded.updated_at');
    gatedWrite(this.db, () => upsert.run(id, cmd.name, cmd.scope, cmd.template, Date.now()));
    return { id, name: cmd.name, scope: cmd.scope, template: cmd.template };
  }

  delete(id: string): boolean {
    return gatedWrite(this.db, () => this.db.prepare('DELETE FROM saved_commands WHERE id = ?').run(id).changes > 0);
  }

  addHistory(e: CommandHistoryEntry): void {
    this.record({ kind: 'history', entry: e });
  }

  history(limit: number): CommandHistoryEntry[] {
    return this.db.prepare('SELECT ts, target, payload, status, error FROM command_history ORDER BY id DESC LIMIT ?').all(limit) as CommandHistoryEntry[];
  }

  audit(action: string, target: string | null, detail: unknown = null): void {
    this.record({ kind: 'audit', ts: Date.now(), action, target, detail: detail === null ? null : JSON.stringify(detail) });
  }

  /** Writes `r` after the entries waiting, or keeps it waiting while the database is locked elsewhere. */
  private record(r: CommandRecord): void {
    try {
      gatedWrite(this.db, () => this.writeRecords.immediate(this.waiting.length > 0 ? [...this.waiting, r] : [r]));
      this.waiting = [];
    } catch (err) {
      if (!(err instanceof DatabaseLockedError)) throw err;
      this.keep([r]);
    }
  }

  private keep(records: CommandRecord[], first = false): void {
    this.waiting = first ? records.concat(this.waiting) : this.waiting.concat(records);
    const over = this.waiting.length - MAX_WAITING;
    if (over <= 0) return;
    this.waiting = this.waiting.slice(over);
    this.lostToLock += over;
  }

  /** Flusher task (inside its transaction): the entries that waited for the lock. */
  flushWaiting(): void {
    if (this.waiting.length === 0) return;
    this.round = this.waiting;
    this.waiting = [];
    this.writeRecords(this.round);
  }

  /** After the round: rolled back, its entries wait again (before any kept meanwhile). */
  settleWaiting(committed: boolean): void {
    if (!committed && this.round.length > 0) this.keep(this.round, true);
    this.round = [];
  }

  auditLog(limit: number): AuditEntry[] {
    return this.db.prepare('SELECT ts, action, target, detail FROM audit ORDER BY id DESC LIMIT ?').all(limit) as AuditEntry[];
  }
}
