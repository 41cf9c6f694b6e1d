import type { ControlResponseStats } from '../../../../shared/api/contract';

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);

/** "p50 42 ms · p95 120 ms" and "1 of 20 failed" (or "20 confirmed"); null when no control was sent. */
export function controlResponseText(r: ControlResponseStats | null | undefined): { times: string | null; outcome: string } | null {
  if (!r || r.count + r.failed === 0) return null;
  const sent = r.count + r.failed;
  return {
    times: r.samples > 0 ? `p50 ${ms(r.p50Ms)} · p95 ${ms(r.p95Ms)}` : null,
    outcome: r.failed > 0 ? `${r.failed} of ${sent} failed` : `${sent} confirmed`,
  };
}

/** The tooltip: what is measured, over what, and the failures by kind. */
export function controlResponseTitle(r: ControlResponseStats | null | undefined): string {
  const what = 'Control response: from the panel sending a control command to the device\'s state report confirming it (its req echoed), since the panel started.';
  if (!r || r.count + r.failed === 0) return `${what} No control command was sent to this device yet.`;
  const over = r.samples > 0 ? ` Percentiles over the last ${r.samples} confirmed; max ${ms(r.maxMs)}, last ${ms(r.lastMs)}.` : '';
  return `${what}${over} Failed: ${r.timeouts} timed out, ${r.refused} refused by the device.`;
}
