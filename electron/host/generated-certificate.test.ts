import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCertificate } from '../broker';
import type { CertificateNames } from '../broker/tls';
import { tempDir } from '../hub/testing/temp-dir';
import { generatedCertificate, namesToAdd } from './generated-certificate';

const tmp = tempDir('hypertcp-gencert-');
afterAll(() => tmp.cleanup());

const made: CertificateNames = { dns: ['localhost', 'labpi', 'labpi.local'], ips: ['127.0.0.1', '::1', '192.168.1.5', 'fd00::5'] };
let cert: string;
beforeAll(async () => {
  cert = (await ensureCertificate(join(tmp.dir, 'tls'), { names: made })).cert;
});

const none = { dns: [], ips: [] };

describe('which names have the generated certificate made again', () => {
  it('none when today\'s names are the ones it has, in any case, or fewer (a dropped name is no reason)', () => {
    expect(namesToAdd(cert, made)).toEqual(none);
    expect(namesToAdd(cert, { dns: ['LabPi', 'localhost'], ips: ['127.0.0.1'] })).toEqual(none);
  });

  it('a renamed machine, a new --host-name or a new IPv4 address', () => {
    expect(namesToAdd(cert, { ...made, dns: ['localhost', 'bench-7', 'bench-7.local', 'pi.lan'] })).toEqual({ dns: ['bench-7', 'bench-7.local', 'pi.lan'], ips: [] });
    expect(namesToAdd(cert, { ...made, ips: [...made.ips, '10.0.0.9'] })).toEqual({ dns: [], ips: ['10.0.0.9'] });
  });

  it('not IPv6 addresses (temporary ones change daily) nor 169.254.x.x (DHCP not answered yet)', () => {
    expect(namesToAdd(cert, { ...made, ips: ['127.0.0.1', '::1', '192.168.1.5', 'fd00::77', 'fe80::1', '169.254.3.4'] })).toEqual(none);
  });
});

describe('a certificate in the data folder that a CA issued', () => {
  it('is someone\'s own, dropped there: kept as it is, though it lacks today\'s names', async () => {
    const ca = await generate([{ name: 'commonName', value: 'lab CA' }], { keyType: 'ec', curve: 'P-256', extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true }] });
    const leaf = await generate([{ name: 'commonName', value: 'labpi' }], { keyType: 'ec', curve: 'P-256', ca: { key: ca.private, cert: ca.cert } });
    const dir = join(tmp.dir, 'ca-issued');
    const placed = await ensureCertificate(dir, { names: made });
    writeFileSync(placed.certPath, leaf.cert);
    writeFileSync(placed.keyPath, leaf.private);
    const said: string[] = [];
    const kept = await generatedCertificate(dir, { ...made, dns: [...made.dns, 'pi.lan'] }, (l) => said.push(l));
    expect(kept.cert).toBe(leaf.cert);
    expect(readFileSync(placed.certPath, 'utf8')).toBe(leaf.cert);
    expect(said).toEqual([]);
  });
});
