import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isIPv4 } from 'node:net';
import { ensureCertificate, type CertificatePair } from '../broker';
import { CERT_FILE, KEY_FILE, certificateNames, shortIp, type CertificateNames } from '../broker/tls';

/**
 * The names whose absence has the generated certificate made again: every DNS name (localhost, the
 * host name, NAME.local, --host-name: chosen by someone, rarely changed) and the IPv4 addresses. Not
 * IPv6 addresses, as temporary (privacy) ones change daily, nor 169.254.x.x, which appears while DHCP
 * has not answered: each new self-signed certificate is one more for every browser to accept again.
 */
export function namesThatCount(names: CertificateNames): CertificateNames {
  return { dns: names.dns, ips: names.ips.filter((ip) => isIPv4(ip) && !ip.startsWith('169.254.')) };
}

const sameName = (name: string) => name.toLowerCase();
const sameIp = (ip: string) => shortIp(ip).toLowerCase();

/** The names that count which `certPem` does not cover; a name only dropped since is no reason (nothing is missing). */
export function namesToAdd(certPem: string, wanted: CertificateNames): CertificateNames {
  const has = certificateNames(certPem);
  const dns = new Set(has.dns.map(sameName));
  const ips = new Set(has.ips.map(sameIp));
  const counted = namesThatCount(wanted);
  return { dns: counted.dns.filter((n) => !dns.has(sameName(n))), ips: counted.ips.filter((ip) => !ips.has(sameIp(ip))) };
}

/** The first of each name, compared as `key` says. */
const unique = (values: string[], key: (v: string) => string) => values.filter((v, i) => values.findIndex((w) => key(w) === key(v)) === i);

/** Today's names, then those the old certificate had besides (kept, so a machine whose addresses alternate settles). */
function withOldNames(today: CertificateNames, old: CertificateNames): CertificateNames {
  return { dns: unique([...today.dns, ...old.dns], sameName), ips: unique([...today.ips, ...old.ips].map(shortIp), sameIp) };
}

/** Made by a host (self-signed), not one a user dropped into the folder from a CA of theirs. */
function selfSigned(certPem: string): boolean {
  const cert = new X509Certificate(certPem);
  // not checkIssued: OpenSSL wants keyCertSign for that, which a server certificate lacks
  return cert.issuer === cert.subject && cert.verify(cert.publicKey);
}

/**
 * The host's own certificate in `dir` (never a user's --tls-cert): generated on the first start, and
 * made again, with the old pair kept as .bak beside it, when a name that counts (namesThatCount) is
 * missing from it, e.g. the machine was renamed or a --host-name added. The new one keeps the old
 * one's names too. Says in one line which names were added.
 */
export async function generatedCertificate(dir: string, names: CertificateNames, log: (line: string) => void): Promise<CertificatePair> {
  const pair = await ensureCertificate(dir, { names });
  if (pair.generated || !selfSigned(pair.cert)) return pair;
  const missing = namesToAdd(pair.cert, names);
  const added = [...missing.dns, ...missing.ips];
  if (added.length === 0) return pair;
  try {
    await rename(pair.certPath, `${pair.certPath}.bak`);
    await rename(pair.keyPath, `${pair.keyPath}.bak`);
    const renewed = await ensureCertificate(dir, { names: withOldNames(names, certificateNames(pair.cert)) });
    log(`made a new HTTPS certificate adding ${added.join(', ')} (the old pair is kept as ${pair.certPath}.bak and ${pair.keyPath}.bak; browsers ask to accept the new one; devices keep theirs)`);
    return renewed;
  } catch (err) {
    // a read-only folder must not keep the panel from starting: serve the old one, which is still in memory
    log(`could not make a new HTTPS certificate adding ${added.join(', ')} in ${dir}: ${(err as Error).message}; serving the old one`);
    return pair;
  }
}

/** The panel's HTTPS certificate, in the data folder beside the devices' `tls`. */
export const WEB_TLS_DIR = 'web-tls';

/**
 * Before the panel had a pair of its own it served the devices' one: on an install that has that
 * one, the first start that makes the panel's starts from a copy, so browsers that accepted it are
 * not asked again.
 */
export async function adoptDeviceCertificate(deviceDir: string, webDir: string): Promise<void> {
  if (existsSync(join(webDir, CERT_FILE)) || ![CERT_FILE, KEY_FILE].every((f) => existsSync(join(deviceDir, f)))) return;
  await mkdir(webDir, { recursive: true, mode: 0o700 });
  // the certificate last: its presence says the copy is whole (copyFile keeps the key owner-only)
  await copyFile(join(deviceDir, KEY_FILE), join(webDir, KEY_FILE));
  await copyFile(join(deviceDir, CERT_FILE), join(webDir, CERT_FILE));
}
