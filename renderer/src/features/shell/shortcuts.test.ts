import { describe, expect, it } from 'vitest';
import { setup } from '../../test-utils';
import { handleShortcut } from './shortcuts';

const key = (k: string, over: Partial<KeyboardEvent> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: null, ...over }) as unknown as KeyboardEvent;

describe('keyboard shortcuts', () => {
  it('Ctrl+K toggles the palette, Esc closes it', () => {
    const { store } = setup();
    expect(handleShortcut(key('k', { ctrlKey: true }), store)).toBe(true);
    expect(store.getState().paletteOpen).toBe(true);
    handleShortcut(key('Escape'), store);
    expect(store.getState().paletteOpen).toBe(false);
  });
  it('p pauses and resumes in the Traffic view, digits switch views, / asks for search focus', () => {
    const { store } = setup();
    store.getState().navigate('traffic');
    handleShortcut(key('p'), store);
    expect(store.getState().paused).toBe(true);
    handleShortcut(key('p'), store);
    expect(store.getState().paused).toBe(false);
    handleShortcut(key('3'), store);
    expect(store.getState().view).toBe('metrics');
    handleShortcut(key('/'), store);
    expect(store.getState().view).toBe('devices');
    expect(store.getState().searchFocusPending).toBe(true);
  });
  it('p does nothing outside the Traffic view (a device page would freeze its traffic list unseen)', () => {
    const { store } = setup();
    for (const view of ['devices', 'device', 'metrics'] as const) {
      store.getState().navigate(view, view === 'device' ? 'lamp' : undefined);
      expect(handleShortcut(key('p'), store)).toBe(false);
      expect(store.getState().paused).toBe(false);
    }
    store.getState().navigate('traffic');
    expect(handleShortcut(key('p'), store)).toBe(true);
    expect(store.getState().paused).toBe(true);
  });
  it('does nothing on single keys once they are turned off (Settings); Ctrl+K still opens the palette', () => {
    const { store } = setup();
    store.getState().setSingleKeyShortcuts(false);
    for (const k of ['3', 'p', '/']) expect(handleShortcut(key(k), store)).toBe(false);
    expect(store.getState()).toMatchObject({ view: 'devices', paused: false, searchFocusPending: false });
    expect(handleShortcut(key('k', { ctrlKey: true }), store)).toBe(true);
  });
  it('ignores keys typed into inputs', () => {
    const { store } = setup();
    expect(handleShortcut(key('p', { target: { tagName: 'INPUT' } as unknown as EventTarget }), store)).toBe(false);
    expect(store.getState().paused).toBe(false);
  });
  it('ignores single keys on a button in a modal dialog (the page behind would change)', () => {
    const { store } = setup();
    const inDialog = { tagName: 'BUTTON', closest: (sel: string) => (sel === '[aria-modal="true"]' ? {} : null) } as unknown as EventTarget;
    expect(handleShortcut(key('1', { target: inDialog }), store)).toBe(false);
    expect(handleShortcut(key('p', { target: inDialog }), store)).toBe(false);
    expect(store.getState()).toMatchObject({ view: 'devices', paused: false });
    const onPage = { tagName: 'BUTTON', closest: () => null } as unknown as EventTarget;
    expect(handleShortcut(key('3', { target: onPage }), store)).toBe(true);
    expect(store.getState().view).toBe('metrics');
  });
});
