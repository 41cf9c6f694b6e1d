import { afterEach } from 'vitest';

// Recharts keeps the text sizes it measured for the whole test file: a size one test measured
// (say, at the real time of day, without measureChartText's stub) would decide which axis labels
// a later test sees. Charts render only under jsdom; node-side tests skip loading recharts.
if (typeof document !== 'undefined') {
  const domUtils = 'recharts/lib/util/DOMUtils'; // the build the tests load (package main), not es6
  const { clearStringCache } = (await import(domUtils)) as { clearStringCache(): void };
  afterEach(() => clearStringCache());
}
