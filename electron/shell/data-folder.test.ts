import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataFolder } from './data-folder';

describe('the data folder under the product name', () => {
  let appData: string;
  let current: string;
  let old: string;
  beforeEach(() => {
    appData = mkdtempSync(join(tmpdir(), 'hypertcp-appdata-'));
    current = join(appData, 'HyperTCP Panel');
    old = join(appData, 'hypertcp-panel');
  });
  afterEach(() => rmSync(appData, { recursive: true, force: true }));

  it('moves a folder left under the old name, with its database, to the new name', () => {
    mkdirSync(old);
    writeFileSync(join(old, 'hypertcp.db'), 'the lab');
    expect(dataFolder(current, old)).toBe(current);
    expect(readFileSync(join(current, 'hypertcp.db'), 'utf8')).toBe('the lab');
    expect(existsSync(old)).toBe(false);
  });

  it('keeps the new folder when both exist, and leaves the old one alone', () => {
    mkdirSync(old);
    mkdirSync(current);
    writeFileSync(join(old, 'hypertcp.db'), 'older');
    expect(dataFolder(current, old)).toBe(current);
    expect(readFileSync(join(old, 'hypertcp.db'), 'utf8')).toBe('older');
  });

  it('a first start uses the new name', () => {
    expect(dataFolder(current, old)).toBe(current);
    expect(existsSync(old)).toBe(false);
  });

  it('a folder that cannot be moved stays in use rather than starting empty', () => {
    mkdirSync(old);
    const refusing = { existsSync, renameSync: () => { throw Object.assign(new Error('EPERM'), { code: 'EPERM' }); } };
    expect(dataFolder(current, old, refusing)).toBe(old);
    expect(existsSync(old)).toBe(true);
  });
});
