/**
 * Command-line switches of the desktop app (docs/DESKTOP.md, "Switches"):
 *   --tcp-port=<n>            broker TCP port for this run (0 = any free port) instead of the saved one:
 *                             the way in when the saved port is taken (then save another in Settings)
 *   --broker-bind=<address>   address the broker listens on for devices (TCP, TLS, UDP); default
 *                             0.0.0.0 (every IPv4 network), 127.0.0.1 keeps devices on this computer
 *   --hypertcp-data=<dir>     user-data folder (database, window state) instead of the OS default
 * Each also takes its value as the next argument (`--broker-bind 127.0.0.1`). A bad value is a
 * problem the app reports instead of starting: a typo must not quietly leave the broker on another
 * address or port. Unknown arguments are ignored (Chromium and the OS pass their own).
 */
import { isIP } from 'node:net';

export interface ShellArgs {
  dataDir?: string;
  tcpPort?: number;
  brokerBind?: string;
  /** What was wrong with our switches, one sentence each; the app shows them instead of starting. */
  problems: string[];
}

const SWITCHES = ['--hypertcp-data', '--tcp-port', '--broker-bind'] as const;
type Switch = (typeof SWITCHES)[number];
const EXAMPLE: Record<Switch, string> = { '--hypertcp-data': '--hypertcp-data=/path/to/folder', '--tcp-port': '--tcp-port=8081', '--broker-bind': '--broker-bind=127.0.0.1' };

export function parseShellArgs(argv: readonly string[]): ShellArgs {
  const out: ShellArgs = { problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitOnce(argv[i]!);
    if (!isSwitch(name)) continue;
    let value = inline;
    const next = argv[i + 1];
    if (value === undefined && next !== undefined && !next.startsWith('-')) {
      value = next;
      i++;
    }
    if (value === undefined || value === '') {
      out.problems.push(`${name} needs a value, e.g. ${EXAMPLE[name]}`);
      continue;
    }
    const problem = take(out, name, value);
    if (problem) out.problems.push(problem);
  }
  return out;
}

/** Stores a switch's value, or says what is wrong with it. */
function take(out: ShellArgs, name: Switch, value: string): string | null {
  switch (name) {
    case '--hypertcp-data':
      if (value.length > 4096) return '--hypertcp-data: the folder path is longer than 4096 characters';
      out.dataDir = value;
      return null;
    case '--tcp-port':
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return `--tcp-port needs a port number from 0 to 65535 (0: any free port), not "${value}"`;
      out.tcpPort = Number(value);
      return null;
    case '--broker-bind':
      // an IP literal only: a name could resolve to another address on every start
      if (isIP(value) === 0) return `--broker-bind needs an IP address of this computer, such as 0.0.0.0 (every network, the default) or 127.0.0.1 (this computer only), not "${value}"`;
      out.brokerBind = value;
      return null;
  }
}

function isSwitch(name: string): name is Switch {
  return (SWITCHES as readonly string[]).includes(name);
}

function splitOnce(arg: string): [string, string | undefined] {
  const i = arg.indexOf('=');
  return i < 0 ? [arg, undefined] : [arg.slice(0, i), arg.slice(i + 1)];
}
