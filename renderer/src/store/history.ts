import type { AppStore } from './types';
import type { View } from './ui-slice';

/** Where the panel is: a view, and for the device page the device. */
export interface Route {
  view: View;
  device: string | null;
}

const LIST_VIEWS: readonly View[] = ['devices', 'traffic', 'metrics', 'commands', 'tokens', 'settings'];

/** The address of a route: `#/traffic`, `#/devices/garage-1`. */
export function hashOf(route: Route): string {
  if (route.view === 'device') return route.device ? `#/devices/${encodeURIComponent(route.device)}` : '#/devices';
  return `#/${route.view}`;
}

/** The route an address names, or null for anything else (an empty hash, a typo, bad escapes). */
export function routeOf(hash: string): Route | null {
  const match = /^#\/([a-z]+)(?:\/(.+))?$/.exec(hash);
  if (!match) return null;
  const [, name, rest] = match;
  if (rest !== undefined) {
    if (name !== 'devices') return null;
    try {
      return { view: 'device', device: decodeURIComponent(rest) };
    } catch {
      return null;
    }
  }
  const view = LIST_VIEWS.find((v) => v === name);
  return view ? { view, device: null } : null;
}

type HistoryWindow = Pick<Window, 'location' | 'history' | 'addEventListener' | 'removeEventListener'>;

/**
 * Keeps the address bar and the store's view in step, so the browser's Back and Forward move
 * between views and a view can be bookmarked or reloaded: a view change pushes an entry, Back or
 * Forward (popstate) navigates. Starts from the route the address names, if any.
 */
export function bindHistory(store: AppStore, win: HistoryWindow): () => void {
  const initial = routeOf(win.location.hash);
  if (initial) store.getState().navigate(initial.view, initial.device ?? undefined);
  const current = (): string => {
    const s = store.getState();
    return hashOf({ view: s.view, device: s.selectedDevice });
  };
  win.history.replaceState(null, '', current());
  const offStore = store.subscribe((s, prev) => {
    if (s.view === prev.view && s.selectedDevice === prev.selectedDevice) return;
    const hash = current();
    if (hash !== win.location.hash) win.history.pushState(null, '', hash);
  });
  const onPop = (): void => {
    const route = routeOf(win.location.hash) ?? { view: 'devices', device: null };
    store.getState().navigate(route.view, route.device ?? undefined);
  };
  win.addEventListener('popstate', onPop);
  return () => {
    offStore();
    win.removeEventListener('popstate', onPop);
  };
}
