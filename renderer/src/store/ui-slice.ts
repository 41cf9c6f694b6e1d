import type { SliceCreator } from './types';

export type View = 'devices' | 'device' | 'traffic' | 'metrics' | 'commands' | 'tokens' | 'settings';
export type ThemeChoice = 'system' | 'light' | 'dark';
export type DeviceSortKey = 'id' | 'online' | 'since' | 'address' | 'lastSeen' | 'rttMs' | 'rateIn' | 'flapCount' | 'rssi' | 'heap';
export type DeviceFilter = 'all' | 'online' | 'offline' | 'flapping';

export const THEME_STORAGE_KEY = 'hypertcp.theme';
/** 'off' when the user turned the single-key shortcuts off (WCAG 2.1.4); absent means on. */
export const SINGLE_KEYS_STORAGE_KEY = 'hypertcp.singleKeyShortcuts';

export interface UiSlice {
  view: View;
  selectedDevice: string | null;
  theme: ThemeChoice;
  /** 1-6, "/" and "p" act anywhere on the page; off for speech input and stray key presses. */
  singleKeyShortcuts: boolean;
  paletteOpen: boolean;
  deviceSearch: string;
  deviceFilter: DeviceFilter;
  deviceSort: { key: DeviceSortKey; desc: boolean };
  /**
   * The user asked for the search box ("/" or the palette): the view that has one focuses it and
   * calls searchFocused(). A request, not a counter, so a view mounted later does not take focus
   * for an old one; navigating elsewhere drops it.
   */
  searchFocusPending: boolean;
  navigate(view: View, device?: string): void;
  setTheme(theme: ThemeChoice): void;
  setSingleKeyShortcuts(on: boolean): void;
  setPaletteOpen(open: boolean): void;
  setDeviceSearch(q: string): void;
  setDeviceFilter(f: DeviceFilter): void;
  sortDevicesBy(key: DeviceSortKey): void;
  /** Asks for the search box, going to Devices first from a view that has none. */
  requestSearchFocus(): void;
  searchFocused(): void;
}

/** The views with a search box (the device list's search, the traffic filter). */
const SEARCH_VIEWS: readonly View[] = ['devices', 'traffic'];

function storedTheme(): ThemeChoice {
  try {
    const t = globalThis.localStorage?.getItem(THEME_STORAGE_KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

function storedSingleKeys(): boolean {
  try {
    return globalThis.localStorage?.getItem(SINGLE_KEYS_STORAGE_KEY) !== 'off';
  } catch {
    return true;
  }
}

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  view: 'devices',
  selectedDevice: null,
  theme: storedTheme(),
  singleKeyShortcuts: storedSingleKeys(),
  paletteOpen: false,
  deviceSearch: '',
  deviceFilter: 'all',
  deviceSort: { key: 'id', desc: false },
  searchFocusPending: false,
  navigate(view, device) {
    set(device ? { view, selectedDevice: device, searchFocusPending: false } : { view, searchFocusPending: false });
  },
  setTheme(theme) {
    try {
      globalThis.localStorage?.setItem(THEME_STORAGE_KEY, theme);
    } catch {
      /* storage may be disabled; the choice still applies to this session */
    }
    set({ theme });
  },
  setSingleKeyShortcuts(on) {
    try {
      if (on) globalThis.localStorage?.removeItem(SINGLE_KEYS_STORAGE_KEY);
      else globalThis.localStorage?.setItem(SINGLE_KEYS_STORAGE_KEY, 'off');
    } catch {
      /* storage may be disabled; the choice still applies to this session */
    }
    set({ singleKeyShortcuts: on });
  },
  setPaletteOpen(open) {
    set({ paletteOpen: open });
  },
  setDeviceSearch(q) {
    set({ deviceSearch: q });
  },
  setDeviceFilter(f) {
    set({ deviceFilter: f });
  },
  sortDevicesBy(key) {
    set((s) => ({ deviceSort: { key, desc: s.deviceSort.key === key ? !s.deviceSort.desc : key === 'rateIn' || key === 'flapCount' } }));
  },
  requestSearchFocus() {
    set((s) => ({ searchFocusPending: true, ...(SEARCH_VIEWS.includes(s.view) ? {} : { view: 'devices' as const }) }));
  },
  searchFocused() {
    set({ searchFocusPending: false });
  },
});
