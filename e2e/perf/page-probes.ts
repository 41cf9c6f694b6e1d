import type { Page } from '@playwright/test';

/** Installed before the app loads: rAF frame intervals and long tasks, drained by `drainFrames`. */
export const FRAME_PROBE = `
  window.__perf = { frames: [], longTasks: [] };
  let last = performance.now();
  const tick = (t) => { window.__perf.frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__perf.longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
`;

export interface FrameSample {
  frames: number[];
  longTasks: number[];
}

export function drainFrames(page: Page): Promise<FrameSample> {
  return page.evaluate(() => {
    const p = (window as unknown as { __perf: FrameSample }).__perf;
    const out = { frames: p.frames, longTasks: p.longTasks };
    p.frames = [];
    p.longTasks = [];
    return out;
  });
}

/**
 * Clicks a relay toggle and measures, in the page, the time until the DOM shows the change
 * (input answer) and until the device's state report confirms it.
 */
export function measureToggle(page: Page, testId: string): Promise<{ answerMs: number; confirmMs: number }> {
  return page.evaluate(
    (id) => {
      // kept reachable from window: a promise only held by observers may be collected
      const w = window as unknown as { __toggle?: Promise<unknown> };
      const promise = new Promise<{ answerMs: number; confirmMs: number }>((resolve, reject) => {
        const el = document.querySelector(`[data-testid="${id}"]`) as HTMLButtonElement | null;
        if (!el) return reject(new Error(`no ${id}`));
        const before = el.getAttribute('aria-checked');
        let answerMs = -1;
        const t0 = performance.now();
        const timer = setTimeout(() => reject(new Error('no confirmation within 10 s')), 10_000);
        const obs = new MutationObserver(() => {
          if (answerMs < 0 && el.getAttribute('aria-checked') !== before) {
            // the change is in the DOM; count until the frame that paints it
            const at = performance.now();
            requestAnimationFrame(() => (answerMs = Math.max(performance.now() - t0, at - t0)));
          }
          if (el.getAttribute('data-status') === 'confirmed' || el.getAttribute('data-status') === 'failed') {
            obs.disconnect();
            clearTimeout(timer);
            const done = () => (answerMs >= 0 ? resolve({ answerMs, confirmMs: performance.now() - t0 }) : requestAnimationFrame(done));
            done();
          }
        });
        obs.observe(el, { attributes: true });
        el.click();
      });
      w.__toggle = promise;
      return promise;
    },
    testId,
  );
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
