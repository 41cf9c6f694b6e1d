import type { TargetKind } from '../../shared/protocol/envelope';

/**
 * Which device may send to which target. The broker asks before routing; a refusal is acked
 * NOT_ALLOWED (v2) or with an empty RESPONSE (legacy) and counted. Default: no policy, all open.
 */
export interface RoutingPolicy {
  allows(from: string, target: TargetKind, targetId: string): boolean;
}

export interface PolicyTable {
  /** Per sender: the device ids (or "server") it may send to; '*' allows all. Missing sender: `default`. */
  senders?: Record<string, readonly string[]>;
  /** Targets for senders not listed. Default ['*']. */
  default?: readonly string[];
  /** Whether broadcast is allowed: true, false, or a per-sender list. Default true. */
  broadcast?: boolean | readonly string[];
}

/** A policy from a plain table, e.g. loaded from settings. */
export function tablePolicy(table: PolicyTable): RoutingPolicy {
  const senders = new Map(Object.entries(table.senders ?? {}).map(([k, v]) => [k, new Set(v)]));
  const fallback = new Set(table.default ?? ['*']);
  const broadcast = table.broadcast ?? true;
  const broadcasters = Array.isArray(broadcast) ? new Set(broadcast) : null;
  return {
    allows(from, target, targetId) {
      if (target === 'broadcast') return broadcasters ? broadcasters.has(from) : broadcast === true;
      const allowed = senders.get(from) ?? fallback;
      return allowed.has('*') || allowed.has(targetId);
    },
  };
}
