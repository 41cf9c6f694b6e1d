/**
 * What the desktop app's "could not start" box says when the broker cannot listen: the port or the
 * address, and the switch that gets the app past it (the Settings page, where ports are changed,
 * is only reached once the app runs). The headless host has its own wording for its flags
 * (electron/host/startup-error.ts).
 */

interface ListenFailure {
  code: string;
  address: string | undefined;
  port: number | undefined;
}

/** The user's way out of a failed broker start, or null when the error is not one of those. */
export function startupProblem(err: unknown): string | null {
  const failure = listenFailure(err);
  if (failure === null) return null;
  const { code, address, port } = failure;
  const portText = port !== undefined ? `port ${port}` : 'its port';
  const other = port !== undefined && port >= 1024 && port < 65535 ? port + 1 : 8081;
  if (code === 'EADDRINUSE') {
    return `The device broker's ${portText} is already in use (another HyperTCP Panel, or another program). Start the app with --tcp-port=<another port>, e.g. --tcp-port=${other}, then save that port in Settings so later starts use it.`;
  }
  if (code === 'EACCES') {
    return `The device broker's ${portText} needs privileges this user lacks (ports below 1024 do). Start the app with --tcp-port=<a port from 1024 up>, e.g. --tcp-port=8081, then save that port in Settings.`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `${address ?? 'The --broker-bind address'} is not an address of this computer. Start the app with another --broker-bind, or without it (devices then connect over every network).`;
  }
  return null;
}

/**
 * Node's listen errors carry code, address and port; the native data path's say the same only in
 * their message ("listen EADDRINUSE: Address already in use 0.0.0.0:8080").
 */
function listenFailure(err: unknown): ListenFailure | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown };
  if (e.syscall === 'listen' && typeof e.code === 'string') {
    return { code: e.code, address: typeof e.address === 'string' ? e.address : undefined, port: typeof e.port === 'number' ? e.port : undefined };
  }
  const said = /^listen (E[A-Z]+)\b.* (\S*):(\d+)$/.exec(e.message);
  return said ? { code: said[1]!, address: said[2] || undefined, port: Number(said[3]) } : null;
}
