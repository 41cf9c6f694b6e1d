/**
 * Command-line switches of the desktop app (also what the Electron e2e suite uses to isolate a run):
 *   --hypertcp-data=<dir>  user-data folder (database, window state) instead of the OS default
 *   --tcp-port=<n>         broker TCP port for this run (0 = ephemeral), instead of the saved setting
 * Unknown arguments are ignored (Chromium and the OS pass their own).
 */
export interface ShellArgs {
  dataDir?: string;
  tcpPort?: number;
}

export function parseShellArgs(argv: readonly string[]): ShellArgs {
  const out: ShellArgs = {};
  for (const arg of argv) {
    const [name, value] = splitOnce(arg);
    if (value === undefined) continue;
    if (name === '--hypertcp-data' && value.length > 0 && value.length <= 4096) out.dataDir = value;
    if (name === '--tcp-port' && /^\d{1,5}$/.test(value) && Number(value) <= 65535) out.tcpPort = Number(value);
  }
  return out;
}

function splitOnce(arg: string): [string, string | undefined] {
  const i = arg.indexOf('=');
  return i < 0 ? [arg, undefined] : [arg.slice(0, i), arg.slice(i + 1)];
}
