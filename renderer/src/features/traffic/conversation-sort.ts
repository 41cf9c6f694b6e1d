import type { ConversationStats } from '../../../../shared/api/contract';

export type ConversationSortKey = 'from' | 'to' | 'messages' | 'bytes' | 'errors' | 'rate' | 'lastSeen';
export interface ConversationSort {
  key: ConversationSortKey;
  desc: boolean;
}

/** Counts start with the biggest, names with A: the first click on a header sorts the useful way. */
export function nextSort(current: ConversationSort, key: ConversationSortKey): ConversationSort {
  if (current.key === key) return { key, desc: !current.desc };
  return { key, desc: key !== 'from' && key !== 'to' };
}

function value(c: ConversationStats, key: ConversationSortKey, name: (id: string) => string): string | number {
  switch (key) {
    case 'from': return name(c.from).toLowerCase();
    case 'to': return name(c.to).toLowerCase();
    case 'rate': return c.msgsPerSecond;
    case 'lastSeen': return c.lastTs;
    default: return c[key];
  }
}

/** A sorted copy; ties keep the host's order (most messages first). Names sort by what is shown. */
export function sortConversations(rows: ConversationStats[], sort: ConversationSort, name: (id: string) => string): ConversationStats[] {
  const dir = sort.desc ? -1 : 1;
  return rows
    .map((c, i) => ({ c, i, v: value(c, sort.key, name) }))
    .sort((a, b) => (a.v === b.v ? a.i - b.i : (a.v < b.v ? -1 : 1) * dir))
    .map((x) => x.c);
}

/** The traffic filter that shows one conversation in the log (ids never need quoting). */
export const conversationQuery = (c: Pick<ConversationStats, 'from' | 'to'>) => `from:${c.from} to:${c.to}`;
