import { cleanup, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach, beforeEach } from 'vitest';
import { createFakeClient, type FakeClient } from './api/fake-client';
import { connectStore, createAppStore, type AppStore } from './store';
import { StoreProvider } from './store/context';

/**
 * jsdom has no layout: give scroll containers a size so the virtualizers render rows.
 * Returns a restore function.
 */
export function stubLayout(width = 1200, height = 800): () => void {
  const proto = HTMLElement.prototype;
  const saved = {
    clientHeight: Object.getOwnPropertyDescriptor(proto, 'clientHeight'),
    clientWidth: Object.getOwnPropertyDescriptor(proto, 'clientWidth'),
    offsetHeight: Object.getOwnPropertyDescriptor(proto, 'offsetHeight'),
  };
  Object.defineProperty(proto, 'clientHeight', { configurable: true, get: () => height });
  Object.defineProperty(proto, 'clientWidth', { configurable: true, get: () => width });
  Object.defineProperty(proto, 'offsetHeight', { configurable: true, get: () => 28 });
  return () => {
    for (const [k, d] of Object.entries(saved)) if (d) Object.defineProperty(proto, k, d);
  };
}

/** For a whole test file: a laid-out window around each test, unmounted and restored after it. */
export function withLayout(width = 1200, height = 800): void {
  let restore: () => void = () => {};
  beforeEach(() => {
    restore = stubLayout(width, height);
  });
  afterEach(() => {
    cleanup();
    restore();
  });
}

export function setup(client: FakeClient = createFakeClient()): { client: FakeClient; store: AppStore } {
  const store = createAppStore(client);
  connectStore(store, client);
  return { client, store };
}

export function renderWith(ui: ReactElement, ctx = setup()) {
  const utils = render(
    <StoreProvider store={ctx.store} client={ctx.client}>
      {ui}
    </StoreProvider>,
  );
  return { ...ctx, ...utils };
}
