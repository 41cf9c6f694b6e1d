import { useEffect, useSyncExternalStore, type ComponentType, type ReactNode } from 'react';

type Status<P> = { kind: 'idle' } | { kind: 'failed'; message: string } | { kind: 'ready'; component: ComponentType<P> };

/**
 * A component from a chunk of its own (a dynamic import): fetched when first drawn or when
 * `preload()` is called, whichever comes first, and once for all its instances. Until it has arrived
 * `placeholder` stands in; once it has, every instance draws it, new ones at once. A failed fetch
 * (the host gone, or upgraded under an open tab) is given to each placeholder (`failed`: why), and
 * the rest of the view goes on working. Nothing fetches again by itself, so a missing chunk is never
 * asked for in a loop; and a browser keeps a failed module import for the page's life, so the way
 * back is a reload, which the placeholder offers.
 */
export function deferred<P extends object>(load: () => Promise<ComponentType<P>>, placeholder: (props: P, failed: string | null) => ReactNode) {
  let status: Status<P> = { kind: 'idle' };
  let pending: Promise<ComponentType<P>> | null = null;
  const listeners = new Set<() => void>();
  const become = (next: Status<P>) => {
    status = next;
    for (const listener of listeners) listener();
  };
  // one fetch, its outcome kept: a failed module import stays failed in the browser too
  const preload = (): Promise<ComponentType<P>> =>
    (pending ??= load().then(
      (component) => {
        become({ kind: 'ready', component });
        return component;
      },
      (error: unknown) => {
        become({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
        throw error;
      },
    ));
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const current = () => status;
  function Deferred(props: P) {
    const now = useSyncExternalStore(subscribe, current);
    useEffect(() => {
      if (now.kind === 'idle') preload().catch(() => undefined); // shown by the placeholder
    }, [now.kind]);
    if (now.kind === 'ready') return <now.component {...props} />;
    return placeholder(props, now.kind === 'failed' ? now.message : null);
  }
  return { Component: Deferred, preload };
}
