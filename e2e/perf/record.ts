import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../fixtures/host';

/**
 * Writes one section of docs/BENCHMARKS.md between `<!-- NAME:start -->` and `<!-- NAME:end -->`,
 * replacing it in place when it exists, appending otherwise; the rest of the file is untouched.
 */
export function recordSection(name: string, body: string[]): string {
  const section = [`<!-- ${name}:start (written by e2e/perf/; owned by the ui helper) -->`, ...body, `<!-- ${name}:end -->`, ''].join('\n');
  const file = join(ROOT, 'docs/BENCHMARKS.md');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // first section in a new file
  }
  const re = new RegExp(`<!-- ${name}:start[\\s\\S]*?<!-- ${name}:end -->\\n?`);
  writeFileSync(file, re.test(text) ? text.replace(re, section) : `${text}${text && !text.endsWith('\n\n') ? '\n' : ''}${section}`);
  return file;
}
