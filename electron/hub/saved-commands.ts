import { randomUUID } from 'node:crypto';
import type { AuditEntry, CommandHistoryEntry, SavedCommand } from '../../shared/api/contract';
import { gatedWrite, type Db } from './db';

const MAX_SAVED = 1000;
const MAX_HISTORY = 10_000;
const MAX_AUDIT = 100_000;

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

  constructor(private readonly db: Db) {
    this.insertHistory = db.prepare('INSERT INTO command_history (ts, target, payload, status, error) VALUES (?, ?, ?, ?, ?)');
    this.trimHistory = db.prepare('DELETE FROM command_history WHERE id <= (SELECT max(id) FROM command_history) - ?');
    this.insertAudit = db.prepare('INSERT INTO audit (ts, action, target, detail) VALUES (?, ?, ?, ?)');
    this.trimAudit = db.prepare('DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?');
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
    gatedWrite(this.db, () => {
      this.insertHistory.run(e.ts, e.target, e.payload, e.status, e.error);
      this.trimHistory.run(MAX_HISTORY);
    });
  }

  history(limit: number): CommandHistoryEntry[] {
    return this.db.prepare('SELECT ts, target, payload, status, error FROM command_history ORDER BY id DESC LIMIT ?').all(limit) as CommandHistoryEntry[];
  }

  audit(action: string, target: string | null, detail: unknown = null): void {
    gatedWrite(this.db, () => {
      this.insertAudit.run(Date.now(), action, target, detail === null ? null : JSON.stringify(detail));
      this.trimAudit.run(MAX_AUDIT);
    });
  }

  auditLog(limit: number): AuditEntry[] {
    return this.db.prepare('SELECT ts, action, target, detail FROM audit ORDER BY id DESC LIMIT ?').all(limit) as AuditEntry[];
  }
}
