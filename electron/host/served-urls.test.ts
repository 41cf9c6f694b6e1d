import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyValue, openDatabase } from '../hub/db';
import { tempDir } from '../hub/testing/temp-dir';
import { ADMIN_TOKEN_KEY } from './admin-token';
import { HostConfig } from './config';
import { SERVED_URLS_KEY, recordServedUrls, tokenUrls } from './served-urls';

const tmp = tempDir('hypertcp-served-');
afterAll(() => tmp.cleanup());

describe('--show-token URLs', () => {
  it('are the ones the host recorded (with the token), whatever flags --show-token is given; from the flags only without a record', () => {
    const db = join(tmp.dir, 'h.db');
    const open = openDatabase(db);
    const kv = new KeyValue(open);
    kv.set(ADMIN_TOKEN_KEY, 'kept-token-0123456789');
    const asked = HostConfig.parse({ db, publicUrls: ['https://asked.lan'] });

    const before = tokenUrls(asked, 'T');
    expect(before.urls).toEqual(['http://127.0.0.1:8090/#token=T', 'https://asked.lan/#token=T']);
    expect(before.source).toContain('built from the flags given here');

    kv.set(SERVED_URLS_KEY, '{not json');
    expect(tokenUrls(asked, 'T').urls[0]).toBe('http://127.0.0.1:8090/#token=T'); // a value it cannot read is no record

    recordServedUrls(kv, 'https://labpi:9443', ['https://panel.lan'], new Date('2030-01-02T03:04:05Z'));
    expect(tokenUrls(asked, 'T')).toEqual({ // read beside the open writer, as beside a running host
      urls: ['https://labpi:9443/#token=T', 'https://panel.lan/#token=T'],
      source: 'the URLs the host recorded at its start on 2030-01-02T03:04:05.000Z',
    });
    open.close();
  });
});
