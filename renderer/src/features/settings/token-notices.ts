import type { Results } from '../../../../shared/api/contract';

/** What a revoke did, for its notice: the same words on the Tokens view and the device page. */
export function revokeNotice(id: string, r: Results['tokens.revoke']): string {
  return `Token of ${id} revoked${r.closedSession ? '; its session was closed' : '; it had no live session'}`;
}
