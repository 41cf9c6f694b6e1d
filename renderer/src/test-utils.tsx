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

const SIZE_PROPS = ['clientWidth', 'clientHeight', 'offsetWidth', 'offsetHeight'] as const;

/**
 * For a chart test file: recharts sizes its container (clientWidth/Height), its legend and tooltip
 * (offsetWidth/Height) and its text (getBoundingClientRect) from a layout jsdom lacks. All of them
 * read the one getBoundingClientRect stub, so measureChartText() can size a legend or a label.
 */
export function withChartLayout(width = 600, height = 220): void {
  const proto = HTMLElement.prototype;
  const savedRect = proto.getBoundingClientRect;
  const savedSizes = SIZE_PROPS.map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)] as const);
  beforeEach(() => {
    proto.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, right: width, bottom: height, width, height, toJSON: () => ({}) });
    for (const key of SIZE_PROPS) {
      const dimension = key.endsWith('Width') ? 'width' : 'height';
      Object.defineProperty(proto, key, { configurable: true, get: function (this: HTMLElement) { return this.getBoundingClientRect()[dimension]; } });
    }
    globalThis.ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    } as unknown as typeof ResizeObserver;
  });
  afterEach(() => {
    cleanup();
    proto.getBoundingClientRect = savedRect;
    for (const [key, descriptor] of savedSizes) if (descriptor) Object.defineProperty(proto, key, descriptor);
  });
}

/**
 * For reading a chart's time-axis labels in jsdom (inside withChartLayout), where every element has
 * the chart's size: the legend gets a legend's height (or the plot gets none) and recharts' text
 * measuring a label's (or it hides every label as overlapping). Returns a restore function.
 */
export function measureChartText(): () => void {
  const chartRect = HTMLElement.prototype.getBoundingClientRect;
  HTMLElement.prototype.getBoundingClientRect = function (this: HTMLElement) {
    const rect = chartRect.call(this);
    if (this.id === 'recharts_measurement_span') return { ...rect, width: 6.5 * (this.textContent?.length ?? 0), height: 13 };
    return this.classList.contains('recharts-legend-wrapper') ? { ...rect, height: 20, bottom: 20 } : rect;
  };
  return () => {
    HTMLElement.prototype.getBoundingClientRect = chartRect;
  };
}

/** A chart's time-axis labels, left to right. */
export function timeAxisLabels(chart: HTMLElement): (string | null)[] {
  return Array.from(chart.querySelectorAll('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')).map((t) => t.textContent);
}

/** What the fake host says on hello; setup() starts from it. */
export const TEST_HELLO = { version: '1', mode: 'headless', tcpPort: 8080, udpPort: null, tlsPort: null, dataPath: 'js', dataPathNote: 'test host' } as const;

/**
 * A store fed by the fake client. By default the host has answered already (open, with a
 * hello), as most tests assume; `{ answered: false }` starts at the very first connection
 * attempt, where actions are held and the views say they are connecting.
 */
export function setup(client: FakeClient = createFakeClient(), { answered = true }: { answered?: boolean } = {}): { client: FakeClient; store: AppStore } {
  const store = createAppStore(client);
  connectStore(store, client);
  if (answered) store.setState({ hostStatus: 'open', hello: { ...TEST_HELLO } });
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
