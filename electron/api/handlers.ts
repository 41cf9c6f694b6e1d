import type { HelloResult, Settings } from '../../shared/api/contract';
import { fileStamp } from '../../shared/csv';
import { Status } from '../../shared/protocol/constants';
import type { BrokerPort } from '../hub/broker-port';
import { backupDatabase } from '../hub/backup';
import { metricsCsv, newestMatches, trafficCsv, trafficJsonl } from '../hub/export';
import type { Hub } from '../hub/hub';
import { SavedCommandsFull, expandTemplate } from '../hub/saved-commands';
import type { SettingsStore } from '../hub/settings';
import type { SqliteTokenStore } from '../hub/token-store';
import { FilterError, compileFilter } from '../hub/traffic-filter';
import { ApiFailure, type Handlers } from './dispatcher';

export interface HandlerContext {
  hub: Hub;
  broker: BrokerPort;
  tokens: SqliteTokenStore;
  settings: SettingsStore;
  hello: () => HelloResult;
}

const MAX_EXPORT_ROWS = 200_000;

function filterOf(query: string) {
  try {
    return compileFilter(query);
  } catch (err) {
    if (err instanceof FilterError) throw new ApiFailure('invalid_params', `query: ${err.message}`);
    throw err;
  }
}


export function createHandlers(ctx: HandlerContext): Handlers {
  const { hub, broker, tokens, settings } = ctx;
  let backupRunning = false;

  /** Sends from "server" and records the command history; failures become API errors. */
  function send(to: string, payload: string): number {
    const outcome = broker.sendFromServer(to, payload);
    hub.commands.addHistory({ ts: Date.now(), target: to, payload, status: outcome.ok ? 'sent' : 'failed', error: outcome.ok ? null : outcome.reason });
    if (outcome.ok) return outcome.msgId;
    const code = outcome.status === Status.TARGET_UNKNOWN ? 'not_found' : outcome.status === Status.MALFORMED || outcome.status === Status.PAYLOAD_TOO_LARGE ? 'invalid_params' : 'unavailable';
    throw new ApiFailure(code, `cannot send to ${to}: ${outcome.reason}`);
  }

  /** Revokes an active token and closes the live session logged in with it; true if one was closed. */
  function revokeToken(id: string): boolean {
    const closedSession = broker.revoke(id);
    tokens.revoke(id);
    return closedSession;
  }

  function device(id: string) {
    const d = hub.registry.get(id);
    if (!d) throw new ApiFailure('not_found', `no device "${id}"`);
    return d;
  }

  return {
    hello: () => ctx.hello(),
    'devices.list': () => hub.registry.list(),
    'devices.get': ({ id }) => {
      const d = device(id);
      return { ...d, recentTraffic: hub.log.recentNow(id, 50) }; // the rows of a moment ago too
    },
    'devices.label': ({ id, label }) => {
      device(id);
      hub.commands.audit('device.label', id, { label });
      return hub.registry.setLabel(id, label)!;
    },
    'devices.forget': async ({ id, deleteHistory }) => {
      device(id);
      const tokenRevoked = tokens.status(id) === 'active';
      const closedSession = tokenRevoked && revokeToken(id);
      hub.forgetDevice(id);
      hub.commands.audit('device.forget', id, { tokenRevoked, closedSession, deleteHistory: deleteHistory === true });
      if (!deleteHistory) return { tokenRevoked, closedSession };
      // after the forget, so a device that cannot log in any more adds no rows meanwhile
      const deleted = await hub.deleteHistory(id);
      hub.commands.audit('device.history.delete', id, deleted);
      return { tokenRevoked, closedSession, deleted };
    },
    'traffic.page': ({ query, beforeSeq, limit }) => {
      const filter = filterOf(query);
      const scanFrom = beforeSeq ?? hub.log.newest + 1;
      return { ...hub.log.pageNow(filter, limit, scanFrom), scanFrom, counters: hub.log.countersNow() };
    },
    'traffic.conversations': ({ limit }) => {
      const c = hub.conversations;
      return { rows: c.list(limit), pairs: c.size, maxPairs: c.maxPairs, evicted: c.evicted };
    },
    'metrics.series': ({ device: id, range }) => hub.metrics.query(id, range),
    'metrics.topTalkers': ({ limit }) => hub.metrics.topTalkers(limit),
    'telemetry.series': ({ device: id, channel, range }) => {
      const d = device(id);
      // the registry's channels (at most MAX_TELEMETRY_KEYS) are the ones history was kept for
      const channels = channel ? [channel] : Object.keys(d.telemetry);
      return hub.telemetry.query(id, channels, range, Date.now());
    },
    // in the registry's channel order, as the device page lists them
    'telemetry.recent': ({ device: id }) => hub.recent.read(id, Object.keys(device(id).telemetry)),
    'messages.send': ({ to, payload }) => ({ msgId: send(to, JSON.stringify(payload)) }),
    'messages.broadcast': ({ payload }) => {
      const json = JSON.stringify(payload);
      const recipients = broker.broadcastFromServer(json);
      hub.commands.addHistory({ ts: Date.now(), target: 'broadcast', payload: json, status: recipients >= 0 ? 'sent' : 'failed', error: recipients >= 0 ? null : 'invalid or too large' });
      hub.commands.audit('broadcast', null, { recipients });
      if (recipients < 0) throw new ApiFailure('invalid_params', 'broadcast payload is invalid or too large');
      return { recipients };
    },
    'controls.set': ({ device: id, control, value, toggle }) => {
      const d = device(id);
      if (d.controls.length > 0 && !d.controls.some((c) => c.id === control)) {
        throw new ApiFailure('invalid_params', `controls.set: ${id} has no control "${control}" (it declares ${d.controls.map((c) => c.id).join(', ')})`);
      }
      if (!toggle && value === undefined) throw new ApiFailure('invalid_params', 'controls.set: give a value or toggle: true');
      const req = hub.controls.nextReq();
      const payload = toggle ? { cmd: 'toggle', control, req } : { cmd: 'set', control, value, req };
      send(id, JSON.stringify(payload));
      hub.controls.add(req, id, control);
      return { req };
    },
    'tokens.list': () => tokens.list(),
    'tokens.create': ({ id }) => {
      if (tokens.status(id) === 'active') throw new ApiFailure('conflict', `device "${id}" already has a token; rotate it instead`);
      const token = tokens.rotate(id);
      hub.registry.ensure(id);
      hub.commands.audit('token.create', id);
      return { id, token };
    },
    'tokens.revoke': ({ id }) => {
      if (tokens.status(id) !== 'active') throw new ApiFailure('not_found', `device "${id}" has no active token`);
      const closedSession = revokeToken(id);
      hub.registry.ensure(id);
      hub.commands.audit('token.revoke', id, { closedSession });
      return { closedSession };
    },
    'tokens.rotate': ({ id }) => {
      if (tokens.status(id) === 'none') throw new ApiFailure('not_found', `device "${id}" has no token`);
      // A session logged in with the old token must not outlive it (the broker closes it: revoked/rotated).
      let token: string;
      if (broker.rotate) token = broker.rotate(id);
      else {
        token = tokens.rotate(id);
        broker.disconnect?.(id, 'revoked');
      }
      hub.registry.ensure(id);
      hub.commands.audit('token.rotate', id);
      return { id, token };
    },
    'tokens.delete': ({ id }) => {
      const status = tokens.status(id);
      if (status === 'none') throw new ApiFailure('not_found', `device "${id}" has no token`);
      if (status === 'active') throw new ApiFailure('conflict', `the token of "${id}" is active; revoke it first`);
      tokens.delete(id);
      if (hub.registry.has(id)) hub.registry.ensure(id); // its token status changed: tell the UIs
      hub.commands.audit('token.delete', id);
      return { deleted: true };
    },
    'broker.redirect': ({ device: target, host, port }) => {
      const { redirected, skippedTooLarge } = broker.redirectSessions?.(target, host, port) ?? { redirected: broker.redirect(target, host, port), skippedTooLarge: 0 };
      hub.commands.audit('redirect', target, { host, port, redirected, ...(skippedTooLarge > 0 && { skippedTooLarge }) });
      return skippedTooLarge > 0 ? { redirected, skippedTooLarge } : { redirected };
    },
    'settings.get': () => settings.get(),
    'settings.save': ({ settings: patch }) => {
      const saved = settings.save(patch as Partial<Settings>);
      hub.commands.audit('settings.save', null, patch);
      return saved;
    },
    'saved.list': ({ device: id }) => {
      const d = id ? hub.registry.get(id) : null;
      const kinds = d ? [...(d.board ? [d.board] : []), ...d.controls.map((c) => c.kind)] : [];
      return hub.commands.list(id, kinds);
    },
    'saved.save': (cmd) => {
      try {
        return hub.commands.save(cmd);
      } catch (err) {
        if (err instanceof SavedCommandsFull) throw new ApiFailure('conflict', err.message);
        throw err;
      }
    },
    'saved.delete': ({ id }) => ({ deleted: hub.commands.delete(id) }),
    'saved.run': ({ id, to }) => {
      const cmd = hub.commands.get(id);
      if (!cmd) throw new ApiFailure('not_found', `no saved command "${id}"`);
      const payload = expandTemplate(cmd.template, { device: to });
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        throw new ApiFailure('invalid_params', `saved command "${cmd.name}" is not valid JSON after expansion`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ApiFailure('invalid_params', `saved command "${cmd.name}" must be a JSON object`);
      return { msgId: send(to, payload), payload };
    },
    'history.list': ({ limit }) => hub.commands.history(limit),
    'audit.list': ({ limit }) => hub.commands.auditLog(limit),
    'export.traffic': ({ query, format }) => {
      const filter = filterOf(query);
      hub.flusher.flushAll();
      // A cut export keeps the newest rows (still written oldest first): recent traffic is what is wanted.
      const newest = newestMatches(hub.db, filter, MAX_EXPORT_ROWS);
      const rows = hub.log.iterate(newest.filter, MAX_EXPORT_ROWS);
      const out = format === 'csv' ? trafficCsv(rows, { olderLeftOut: newest.olderLeftOut }) : trafficJsonl(rows, { olderLeftOut: newest.olderLeftOut });
      hub.commands.audit('export.traffic', null, { query, format, rows: out.rows });
      return { filename: `traffic-${fileStamp()}.${format}`, mime: format === 'csv' ? 'text/csv' : 'application/x-ndjson', ...out };
    },
    'storage.stats': () => hub.storage(),
    'udp.drops': ({ limit }) => hub.udpDrops(limit),
    'storage.backup': async () => {
      if (backupRunning) throw new ApiFailure('conflict', 'a backup is already running');
      backupRunning = true;
      try {
        hub.flusher.flushAll(); // the copy includes what was queued a moment ago
        const result = await backupDatabase(hub.db);
        hub.commands.audit('storage.backup', null, { path: result.path, bytes: result.bytes });
        return result;
      } catch (err) {
        throw new ApiFailure('unavailable', `backup failed: ${(err as Error).message}`);
      } finally {
        backupRunning = false;
      }
    },
    'export.metrics': ({ device: id, range }) => {
      const out = metricsCsv(hub.metrics.query(id, range));
      return { filename: `metrics-${id ?? 'all'}-${range}-${fileStamp()}.csv`, mime: 'text/csv', ...out };
    },
  };
}
