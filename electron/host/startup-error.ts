/**
 * What the host prints when it cannot start: one line naming the cause and the flag that changes it,
 * for the failures a user meets (a port taken, an address not this machine's, a file that is not
 * there), instead of Node's stack trace. Anything else keeps its stack: that one is ours to fix.
 */
import type { HostConfig } from './config';

interface SystemError {
  code?: string;
  syscall?: string;
  port?: number;
  address?: string;
  path?: string;
}

export function startupProblem(err: unknown, cfg: Pick<HostConfig, 'httpPort' | 'tcpPort'>): string | null {
  if (!err || typeof err !== 'object') return null;
  const { code, syscall, port, address, path } = err as SystemError;
  if (syscall === 'listen' || syscall === 'bind') {
    // the broker's TCP port may come from Settings (no --tcp-port), its TLS port always does
    const flag = port === cfg.httpPort ? '--http-port' : port === cfg.tcpPort ? '--tcp-port' : '--tcp-port (or the TLS port in Settings)';
    const where = `${address ?? ''}${port !== undefined ? `:${port}` : ''}`;
    if (code === 'EADDRINUSE') return `${where} is already in use (another HyperTCP host, or another program): choose another port with ${flag}`;
    if (code === 'EACCES') return `${where} needs privileges this user lacks (ports below 1024 do): choose a port from 1024 up with ${flag}`;
    if (code === 'EADDRNOTAVAIL') return `${address ?? 'the address'} is not an address of this machine: check --bind and --broker-bind`;
  }
  if (path && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')) {
    const why = code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : 'a folder, not a file';
    return `cannot open ${path}: ${why} (check --tls-cert, --tls-key, --db, --static and --sim)`;
  }
  return null;
}
