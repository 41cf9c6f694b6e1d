import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyValue, openDatabase } from '../hub/db';
import { tempDir } from '../hub/testing/temp-dir';
import { ADMIN_TOKEN_KEY, configuredUrl, storedAdminToken, tokenGeneratedNotice, tokenShown } from './admin-token';
import { HostConfig } from './config';

const tmp = tempDir('hypertcp-token-');
afterAll(() => tmp.cleanup());

describe('admin token output', () => {
  it('is printed on the start that generated it, when asked, and for the demo; not on other starts', () => {
    const cfg = (o: Partial<HostConfig>) => HostConfig.parse(o);
    expect(tokenShown(cfg({}), true)).toBe(true);
    expect(tokenShown(cfg({}), false)).toBe(false);
    expect(tokenShown(cfg({ printToken: true }), false)).toBe(true);
    expect(tokenShown(cfg({ demo: true }), false)).toBe(true);
  });

  it('says when the start generated the token: the first start, or --new-admin-token in place of the old one', () => {
    expect(tokenGeneratedNotice({ firstStart: true, newToken: false })).toMatch(/^the admin token was generated on this first start/);
    expect(tokenGeneratedNotice({ firstStart: false, newToken: true })).toMatch(/^a new admin token was generated on this start \(--new-admin-token\).*in place of the old one, which opens nothing now/);
    expect(tokenGeneratedNotice({ firstStart: false, newToken: false })).toBeNull();
  });

  it('--show-token reads the token the database keeps, or the one given; none before the first start', () => {
    const db = join(tmp.dir, 'h.db');
    expect(storedAdminToken(HostConfig.parse({ db }))).toBeNull();
    const open = openDatabase(db);
    expect(storedAdminToken(HostConfig.parse({ db }))).toBeNull(); // a database without the token yet
    new KeyValue(open).set(ADMIN_TOKEN_KEY, 'kept-token-0123456789');
    expect(storedAdminToken(HostConfig.parse({ db }))).toBe('kept-token-0123456789'); // beside the open writer
    open.close();
    expect(storedAdminToken(HostConfig.parse({ db, adminToken: 'given-token-0123456789ab' }))).toBe('given-token-0123456789ab');
  });

  it('gives the URL from the flags, or none for an ephemeral port', () => {
    expect(configuredUrl(HostConfig.parse({}), 'T')).toBe('http://127.0.0.1:8090/#token=T');
    expect(configuredUrl(HostConfig.parse({ bind: '::1', httpPort: 9000 }), 'T')).toBe('http://[::1]:9000/#token=T');
    expect(configuredUrl(HostConfig.parse({ bind: '192.168.1.23' }), 'T')).toBe('https://192.168.1.23:8090/#token=T');
    expect(configuredUrl(HostConfig.parse({ httpPort: 0 }), 'T')).toBeNull();
  });
});
