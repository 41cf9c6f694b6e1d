const PLAIN_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * One CSV cell: quoted when needed. A cell a spreadsheet would run as a formula (leading = + - @,
 * tab or CR) gets a leading ' so it stays text; a plain negative number (an RSSI of -54) stays a number.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => cells.map(csvCell).join(',') + '\n';

/** A time for export file names: ISO 8601 without the characters file systems refuse (: and .). */
export const fileStamp = (at = new Date()): string => at.toISOString().replace(/[:.]/g, '-');
