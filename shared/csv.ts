/** One CSV cell: quoted when needed; a leading = + @ is neutralised so spreadsheets do not run it. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => cells.map(csvCell).join(',') + '\n';

/** A time for export file names: ISO 8601 without the characters file systems refuse (: and .). */
export const fileStamp = (at = new Date()): string => at.toISOString().replace(/[:.]/g, '-');
