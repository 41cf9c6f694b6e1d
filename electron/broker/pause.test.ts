import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { Broker } from './broker';
import { BaseClient } from './testing/base-client';
import { duplexPair } from './testing/duplex-pair';
import { collectCloses, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { LegacyClient } from './testing/legacy-client';
import { V2Client } from './testing/v2-client';
import { ensureCertificate } from './tls';
import { MemoryTokenStore } from './tokens';

let t: TestBroker | undefined;
afterEach(async () => t?.close());
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('pause and resume', () => {
  it('pause closes every connection with reason paused and refuses new ones; resume serves the same port again', async () => {
    t = await startTestBroker(['lamp', 'switch']);
    const closes = collectCloses(t.broker);
    const lamp = await t.legacy('lamp');
    const sw = await t.v2('switch');
    const anonymous = new LegacyClient(await BaseClient.tcp(t.port)); // not logged in yet
    await new Promise((r) => setTimeout(r, 20));
    expect(t.broker.paused).toBe(false);

    await t.broker.pause();
    expect(t.broker.paused).toBe(true);
    await Promise.all([lamp.waitClosed(), sw.waitClosed(), anonymous.waitClosed()]);
    expect(closes.map((c) => `${c[0]}:${c[1]}`).sort()).toEqual(['lamp:paused', 'null:paused', 'switch:paused']);
    expect(t.broker.sessions()).toEqual([]);
    expect(t.broker.stats().disconnects.paused).toBe(3);
    await expect(BaseClient.tcp(t.port)).rejects.toThrow(/ECONNREFUSED/);

    // A stream handed over directly is refused too, and a second pause changes nothing.
    const [brokerSide, clientSide] = duplexPair();
    t.broker.handle(brokerSide, { address: 'memory', transport: 'tcp' });
    expect(brokerSide.destroyed).toBe(true);
    clientSide.destroy();
    expect(closes.at(-1)).toEqual([null, 'rejected', 'paused']);
    await t.broker.pause();
    expect(t.broker.paused).toBe(true);

    await t.broker.resume();
    expect(t.broker.paused).toBe(false);
    const again = await t.v2('lamp');
    expect(await again.send('lamp', '{"self":1}')).toBe(Status.SUCCESS);
    await t.broker.resume(); // no-op
    expect(t.broker.sessions().map((s) => s.id)).toEqual(['lamp']);
  });

  it('pause and resume in quick succession run in order and end resumed', async () => {
    t = await startTestBroker(['lamp']);
    await Promise.all([t.broker.pause(), t.broker.resume(), t.broker.pause(), t.broker.resume()]);
    expect(t.broker.paused).toBe(false);
    expect((await t.legacy('lamp')).closed).toBe(false);
  });

  it('resume listens again on TLS too, and stays paused if a port was taken meanwhile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertcp-pause-'));
    dirs.push(dir);
    const { key, cert } = await ensureCertificate(dir);
    const tokens = new MemoryTokenStore();
    tokens.add('secure', testToken('secure'));
    const broker = new Broker({ tokens, closeLingerMs: 100 });
    const squatter = new Broker({ tokens: new MemoryTokenStore() });
    try {
      const tlsPort = await broker.listenTls({ port: 0, key, cert });
      const tcpPort = await broker.listen({ port: 0 });
      await broker.pause();
      await expect(broker.listen({ port: 0 })).rejects.toThrow(/paused/);
      await squatter.listen({ port: tcpPort });
      await expect(broker.resume()).rejects.toThrow(/EADDRINUSE/);
      expect(broker.paused).toBe(true);
      await expect(BaseClient.tls(tlsPort, cert)).rejects.toThrow(); // TLS was bound first, then released again
      await squatter.close();
      await broker.resume();
      expect(broker.paused).toBe(false);
      const secure = new V2Client(await BaseClient.tls(tlsPort, cert));
      expect(await secure.login(testToken('secure'))).toBe(Status.SUCCESS);
      secure.destroy();
    } finally {
      await squatter.close();
      await broker.close();
    }
  });
});
