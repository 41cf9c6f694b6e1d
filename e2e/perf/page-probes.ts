import type { Page } from '@playwright/test';

/** Installed before the app loads: rAF frame intervals and long tasks, drained by `drainFrames`. */
/** In-page (a string, so no bundler helpers leak in): a function counting a subtree's nodes, text nodes too, as CDP counts them. */
export const COUNT_NODES = '(root) => { let n = 1; const w = document.createTreeWalker(root, NodeFilter.SHOW_ALL); while (w.nextNode()) n++; return n; }';
/** In-page: the nodes in the document, not those dropped and not yet collected. */
export const DOC_NODES = `(${COUNT_NODES})(document)`;

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
  return page.evaluate('(() => { const p = window.__perf; const out = { frames: p.frames, longTasks: p.longTasks }; p.frames = []; p.longTasks = []; return out; })()') as Promise<FrameSample>;
}

/**
 * In-page script (a string, so the bundler's helpers never leak into the page): clicks a relay
 * toggle and measures the time until the change is painted (input answer) and until the device's
 * state report confirms it. Kept on window so the pending promise stays reachable.
 */
const TOGGLE_PROBE = `(id) => {
  window.__toggle = new Promise((resolve, reject) => {
    const el = document.querySelector('[data-testid="' + id + '"]');
    if (!el) return reject(new Error('no ' + id));
    // a disabled control (device offline, previous command pending) ignores the click
    if (el.disabled) return reject(new Error('control disabled (status ' + el.getAttribute('data-status') + ')'));
    const before = el.getAttribute('aria-checked');
    let answerMs = -1;
    let changed = false;
    const t0 = performance.now();
    const timer = setTimeout(() => reject(new Error('no confirmation within 10 s')), 10000);
    const finish = () => (answerMs >= 0 ? resolve({ answerMs, confirmMs: performance.now() - t0 }) : requestAnimationFrame(finish));
    const obs = new MutationObserver(() => {
      if (answerMs < 0 && el.getAttribute('aria-checked') !== before) {
        changed = true;
        requestAnimationFrame(() => { answerMs = performance.now() - t0; });
      }
      const status = el.getAttribute('data-status');
      if (status === 'confirmed' || status === 'failed') {
        obs.disconnect();
        clearTimeout(timer);
        // without a painted change finish() would wait for answerMs forever
        if (!changed) return reject(new Error(status + ' without a painted change'));
        finish();
      }
    });
    obs.observe(el, { attributes: true });
    el.click();
  });
  return window.__toggle;
}`;

export function measureToggle(page: Page, testId: string): Promise<{ answerMs: number; confirmMs: number }> {
  return page.evaluate(`(${TOGGLE_PROBE})(${JSON.stringify(testId)})`) as Promise<{ answerMs: number; confirmMs: number }>;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
