import { afterEach } from 'vitest';

// Recharts keeps the text sizes it measured for the whole test file: a size one test measured
// (say, at the real time of day, without measureChartText's stub) would decide which axis labels
// a later test sees. Charts render only under jsdom; node-side tests skip loading recharts.
if (typeof document !== 'undefined') {
  const domUtils = 'recharts/lib/util/DOMUtils'; // the build the tests load (package main), not es6
  const { clearStringCache } = (await import(domUtils)) as { clearStringCache(): void };
  afterEach(() => clearStringCache());
  // Charts draw from their own chunk (deferred.tsx); loaded here, as main.tsx does at idle, so a
  // test sees a chart in the first render (deferred.test.tsx covers the wait before it arrives).
  const { preloadCharts } = await import('./renderer/src/components/SeriesChart');
  await preloadCharts();
}
