import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { isIP, isIPv4 } from 'node:net';
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

/** The file names of a certificate pair in its folder (ensureCertificate). */
export const KEY_FILE = 'broker-key.pem';
export const CERT_FILE = 'broker-cert.pem';

/** What os.networkInterfaces() returns (tests pass their own). */
export type InterfaceList = ReturnType<typeof networkInterfaces>;

/** The machine's addresses other than loopback, as the OS lists them now (IPv6 without a zone). */
export function interfaceAddresses(list: InterfaceList = networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const entries of Object.values(list)) {
    for (const a of entries ?? []) if (!a.internal) out.add(a.address.replace(/%.*$/, '').toLowerCase());
  }
  return [...out];
}

export interface CertificateNames {
  dns: string[];
  ips: string[];
}

/**
 * Interfaces of containers, VMs and VPNs (Docker, Podman, libvirt, LXD, WireGuard, OpenVPN,
 * Tailscale, ZeroTier, VirtualBox, VMware, Hyper-V): devices on the LAN do not reach the machine
 * there, and their addresses tell a stranger what runs on it.
 */
const VIRTUAL_INTERFACE = /^(docker|veth|br-|virbr|vnet|lxcbr|lxdbr|podman|cni|flannel|cali|wg|tun|tap|utun|tailscale|zt|vboxnet|vmnet|vEthernet)|VirtualBox|VMware/i;

/** The IPv4 addresses devices on the LAN reach the machine at: not loopback, virtual interfaces, nor 169.254.x.x (no DHCP answer yet). */
export function lanIpv4Addresses(list: InterfaceList = networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const [name, entries] of Object.entries(list)) {
    if (VIRTUAL_INTERFACE.test(name)) continue;
    for (const a of entries ?? []) if (!a.internal && isIPv4(a.address) && !a.address.startsWith('169.254.')) out.add(a.address);
  }
  return [...out];
}

/**
 * Names a certificate generated on this machine covers: localhost, 127.0.0.1 and ::1 (devices and
 * the desktop app), the host name and its mDNS NAME.local, its LAN IPv4 addresses now, and `extra`
 * names (--host-name; an IP address there is listed as one). Any TCP peer reads these in a plain
 * handshake, so not every address the machine has: no IPv6 address (an EUI-64 one spells the
 * MAC, a temporary one is gone tomorrow) and no container or VPN interface. Devices pin the
 * certificate or its fingerprint; a browser reaching the panel by a name not here warns of it.
 */
export function machineNames(extra: string[] = [], list: InterfaceList = networkInterfaces(), host = hostname()): CertificateNames {
  const own = host.toLowerCase();
  const dns = new Set(['localhost']);
  if (own) {
    dns.add(own);
    if (!own.endsWith('.local')) dns.add(`${own}.local`);
  }
  const ips = new Set(['127.0.0.1', '::1', ...lanIpv4Addresses(list)]);
  for (const name of extra) {
    const bare = name.replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare)) ips.add(shortIp(bare.toLowerCase()));
    else dns.add(name.toLowerCase());
  }
  return { dns: [...dns], ips: [...ips] };
}

/** An IP address in its short form, as interfaces and URLs show it (OpenSSL writes IPv6 in full: 0:0:0:0:0:0:0:1). */
export const shortIp = (ip: string) => (ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);

/** The DNS names and IP addresses a certificate's subjectAltName lists. */
export function certificateNames(certPem: string): CertificateNames {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  const dns: string[] = [];
  const ips: string[] = [];
  for (const entry of san.split(/,\s*/)) {
    if (entry.startsWith('DNS:')) dns.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ips.push(shortIp(entry.slice(11)));
  }
  return { dns, ips };
}

export interface EnsureOptions {
  commonName?: string;
  /** Names a new certificate covers (default machineNames()); an existing one is kept as it is. */
  names?: CertificateNames;
}

/**
 * The TLS certificate of this install: loaded from `dir` if present, otherwise generated once
 * (a fresh key per install, never a shared one) and stored there with the key readable by the
 * owner only. An existing one is never regenerated, even when the machine's names changed: devices
 * may pin it. Users who have their own pass explicit paths instead (loadCertificate).
 */
export async function ensureCertificate(dir: string, options: EnsureOptions = {}): Promise<CertificatePair> {
  const { commonName = 'hypertcp-broker', names = machineNames() } = options;
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
      { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))] },
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
