/** Round steps a value axis may use, per power of ten: 1, 2 or 5 (0.05, 0.1, 0.15...; 50K, 100K...). */
const MANTISSAS = [1, 2, 5, 10];

/**
 * Value-axis ticks on round numbers covering `min`..`max` in about `count` steps (recharts' own land
 * on 0.055, 0.11, 0.165 or 21.35, 21.7): the first and last tick are the axis' domain. `fromZero`
 * starts the axis at 0 (counts and rates) unless values go below. A flat line gets room around it.
 */
export function valueTicks(min: number, max: number, fromZero: boolean, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return fromZero ? [0, 1] : [];
  if (fromZero) min = Math.min(0, min);
  if (max === min) {
    const pad = max === 0 ? 1 : Math.abs(max) * 0.1;
    if (fromZero && min === 0) max = pad;
    else [min, max] = [min - pad, max + pad];
  }
  const rough = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = MANTISSAS.find((m) => m * power >= rough * (1 - 1e-9))! * power;
  // decimals of the step, so 0.1 + 0.2 is written 0.3
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const round = (v: number) => Number(v.toFixed(Math.min(20, decimals)));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(round(i * step));
  return ticks;
}

/** The lowest and highest number of the given keys in the rows (Infinity, -Infinity without any). */
export function valueBounds(rows: Record<string, number | null>[], keys: string[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows)
    for (const k of keys) {
      const v = r[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  return { min, max };
}
