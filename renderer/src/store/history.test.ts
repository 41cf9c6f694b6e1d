// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeClient } from '../api/fake-client';
import { bindHistory, hashOf, routeOf } from './history';
import { createAppStore, type AppStore } from './index';

const popped = (): Promise<void> => new Promise((resolve) => window.addEventListener('popstate', () => resolve(), { once: true }));

describe('routes in the address', () => {
  it('round-trips every view and device ids that need escaping', () => {
    for (const view of ['devices', 'traffic', 'metrics', 'commands', 'tokens', 'settings'] as const) {
      expect(routeOf(hashOf({ view, device: null }))).toEqual({ view, device: null });
    }
    for (const device of ['garage-1', 'a b', 'x/y', '100%', 'déjà', '#/devices']) {
      const hash = hashOf({ view: 'device', device });
      expect(hash.startsWith('#/devices/')).toBe(true);
      expect(routeOf(hash)).toEqual({ view: 'device', device });
    }
    expect(hashOf({ view: 'device', device: null })).toBe('#/devices');
  });

  it('names no route for anything else', () => {
    for (const hash of ['', '#', '#/', '#/nope', '#/device', '#/traffic/x', '#token=abc', '#/devices/%E0%A4%A', '#/Traffic']) {
      expect(routeOf(hash)).toBeNull();
    }
  });
});

describe('bindHistory', () => {
  let store: AppStore;
  let unbind: () => void = () => {};
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
    store = createAppStore(createFakeClient());
  });
  afterEach(() => unbind());

  it('opens the view a bookmark names and writes the route of the default view otherwise', () => {
    window.history.replaceState(null, '', '/#/devices/lamp-1');
    unbind = bindHistory(store, window);
    expect(store.getState().view).toBe('device');
    expect(store.getState().selectedDevice).toBe('lamp-1');
    unbind();

    window.history.replaceState(null, '', '/?x=1#/nope');
    const fresh = createAppStore(createFakeClient());
    unbind = bindHistory(fresh, window);
    expect(fresh.getState().view).toBe('devices');
    expect(window.location.hash).toBe('#/devices');
    expect(window.location.search).toBe('?x=1');
  });

  it('pushes one entry per view change, none for other state, and Back and Forward navigate', async () => {
    unbind = bindHistory(store, window);
    const start = window.history.length;
    store.getState().navigate('traffic');
    store.getState().setDeviceSearch('lamp');
    store.getState().navigate('device', 'a b');
    expect(window.location.hash).toBe('#/devices/a%20b');
    expect(window.history.length).toBe(start + 2);

    let pop = popped();
    window.history.back();
    await pop;
    expect(store.getState().view).toBe('traffic');
    expect(window.history.length).toBe(start + 2);

    pop = popped();
    window.history.back();
    await pop;
    expect(store.getState().view).toBe('devices');

    pop = popped();
    window.history.go(2);
    await pop;
    expect(store.getState().view).toBe('device');
    expect(store.getState().selectedDevice).toBe('a b');
  });

  it('stops following the store and the address once unbound', async () => {
    unbind = bindHistory(store, window);
    unbind();
    store.getState().navigate('metrics');
    expect(window.location.hash).toBe('#/devices');
    window.history.pushState(null, '', '#/settings');
    window.history.pushState(null, '', '#/tokens');
    const pop = popped();
    window.history.back();
    await pop;
    expect(store.getState().view).toBe('metrics');
  });
});
