import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface CertificatePair {
  key: string;
  cert: string;
  /** SHA-1 fingerprint as selfsigned reports it (null when loaded from files). */
  fingerprint: string | null;
  keyPath: string;
  certPath: string;
  generated: boolean;
}

const KEY_FILE = 'broker-key.pem';
const CERT_FILE = 'broker-cert.pem';

/**
 * The TLS certificate of this install: loaded from `dir` if present, otherwise generated once
 * (a fresh key per install, never a shared one) and stored there with the key readable by the
 * owner only. Users who have their own pass explicit paths instead (loadCertificate).
 */
export async function ensureCertificate(dir: string, commonName = 'hypertcp-broker'): Promise<CertificatePair> {
  const keyPath = join(dir, KEY_FILE);
  const certPath = join(dir, CERT_FILE);
  try {
    return { ...(await loadCertificate(keyPath, certPath)), generated: false };
  } catch {
    // Missing or unreadable: generate below.
  }
  await mkdir(dir, { recursive: true });
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await chmod(keyPath, 0o600);
  await writeFile(certPath, pems.cert, { mode: 0o644 });
  return { key: pems.private, cert: pems.cert, fingerprint: pems.fingerprint, keyPath, certPath, generated: true };
}

/** A user's own key and certificate (PEM files). */
export async function loadCertificate(keyPath: string, certPath: string): Promise<Omit<CertificatePair, 'generated'>> {
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  if (!key.includes('PRIVATE KEY') || !cert.includes('CERTIFICATE')) throw new Error('not a PEM key and certificate');
  return { key, cert, fingerprint: null, keyPath, certPath };
}
