import type { ReactNode } from 'react';

/** What a view shows when it has nothing yet: what it is for and the next step to take. */
export function EmptyState({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <h2>{title}</h2>
      <div className="empty-body">{children}</div>
    </div>
  );
}
