/** Turns results into the tables printed to stdout and written to docs/BENCHMARKS.md. Pure. */

export type Align = 'left' | 'right';
export interface Table {
  headers: string[];
  align: Align[];
  rows: string[][];
}

/** 1234567 -> "1.23 M", 93456 -> "93.5 k", 812 -> "812"; "-" when not a finite number. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(abs >= 1e7 ? 1 : 2)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(abs >= 1e5 ? 0 : 1)} k`;
  return n.toFixed(0);
}

/** Milliseconds with sensible precision: 0.085 -> "0.09", 12.345 -> "12.3", 250.4 -> "250". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A ratio as "2.31x"; "-" when not comparable. */
export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(r >= 10 ? 1 : 2)}x` : '-';
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(t: Table): string {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = t.align.map((a) => (a === 'right' ? '---:' : '---'));
  return [line(t.headers), `|${rule.join('|')}|`, ...t.rows.map(line)].join('\n');
}

/** Fixed-width columns for a terminal. */
export function renderText(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number): string => (t.align[i] === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, i)).join('  ').trimEnd();
  return [line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map((r) => line(t.headers.map((_, i) => r[i] ?? '')))].join('\n');
}

/** Replaces the text between two marker lines (inclusive markers kept); appends the block if absent. */
export function replaceBlock(doc: string, start: string, end: string, body: string): string {
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end, from + start.length);
  if (from < 0 || to < 0) return `${doc.trimEnd()}\n\n${block}\n`;
  return doc.slice(0, from) + block + doc.slice(to + end.length);
}
