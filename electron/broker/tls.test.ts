import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { Broker } from './broker';
import { BaseClient } from './testing/base-client';
import { collectCloses, eventually, testToken } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import { V2Client } from './testing/v2-client';
import { ensureCertificate } from './tls';
import { MemoryTokenStore } from './tokens';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('TLS', () => {
  it('generates a certificate per install once, then reuses it; the key is owner-only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
    dirs.push(dir);
    const first = await ensureCertificate(dir);
    const again = await ensureCertificate(dir);
    expect(first.generated).toBe(true);
    expect(again.generated).toBe(false);
    expect(again.cert).toBe(first.cert);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
    const other = await ensureCertificate(await mkdtemp(join(tmpdir(), 'hypertcp-tls-')).then((d) => (dirs.push(d), d)));
    expect(other.key).not.toBe(first.key);
  });

  it('serves legacy and v2 devices over TLS beside plain TCP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
    dirs.push(dir);
    const { key, cert } = await ensureCertificate(dir);
    const tokens = new MemoryTokenStore();
    tokens.add('secure', testToken('secure'));
    tokens.add('plain', testToken('plain'));
    const broker = new Broker({ tokens });
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const tcpPort = await broker.listen({ port: 0 });
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      const plain = await LegacyClient.connect(tcpPort);
      await plain.login(testToken('plain'));
      expect(broker.sessions().map((s) => [s.id, s.transport]).sort()).toEqual([['plain', 'tcp'], ['secure', 'tls']]);
      expect(await secure.send('plain', '{"over":"tls"}')).toBe(Status.SUCCESS);
      await plain.waitMessages(1);
      secure.destroy();
      plain.destroy();
    } finally {
      await broker.close();
    }
  });

  it('the TLS server refuses over maxConnections with the same recorded reason as the broker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-tls-'));
    dirs.push(dir);
    const { key, cert } = await ensureCertificate(dir);
    const tokens = new MemoryTokenStore();
    tokens.add('secure', testToken('secure'));
    const broker = new Broker({ tokens, limits: { maxConnections: 1 } });
    const closes = collectCloses(broker);
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      await expect(BaseClient.tls(tlsPort, cert)).rejects.toThrow();
      await eventually(() => closes.length > 0, 1_000, 'the refusal');
      expect(closes).toEqual([[null, 'rejected', 'max_connections']]);
      expect(broker.stats().connectionsRejected).toBe(1);
      expect(secure.closed).toBe(false);
      secure.destroy();
    } finally {
      await broker.close();
    }
  });
});
