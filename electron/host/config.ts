import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEMO_DEVICES, MAX_DEMO_DEVICES, MIN_DEMO_DEVICES } from './demo';
import { publicOrigin } from './public-urls';

/** The project root, so the default UI and simulator paths work from any working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A token the user gives must resist guessing over the network about as a generated one does (32
 * base64url characters, 192 bits): 22 such characters are 132 bits; a repeated pattern is not.
 */
export const MIN_ADMIN_TOKEN_LENGTH = 22;
export const MIN_ADMIN_TOKEN_VARIETY = 8;
const GENERATE_TOKEN = `node -e "console.log(crypto.randomBytes(24).toString('base64url'))"`;
const strongEnough = (token: string) => token.length >= MIN_ADMIN_TOKEN_LENGTH && new Set(token).size >= MIN_ADMIN_TOKEN_VARIETY;

const DEMO_RANGE = `must be from ${MIN_DEMO_DEVICES} to ${MAX_DEMO_DEVICES}`;
const Port = z.number().int().min(0).max(65535);
export const HostConfig = z.strictObject({
  /** Left out: the port saved in Settings (8080 until one is saved). */
  tcpPort: Port.optional(),
  udpPort: Port.optional(),
  httpPort: Port.default(8090),
  /** Address of the web UI and API; anything but loopback requires TLS. */
  bind: z.string().min(1).max(253).default('127.0.0.1'),
  /**
   * More names the web UI is reached by beyond the machine's own (a DNS name such as pi.lan);
   * browsers sending any other Host are refused (DNS rebinding).
   */
  hostNames: z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name uses A-Z a-z 0-9 . -')).max(16).default([]),
  /**
   * URLs users open through a reverse proxy that forwards to this host (https://panel.lan): each
   * one's host[:port] is an allowed Host and its origin an allowed Origin, on any bind. Kept as origins.
   */
  publicUrls: z
    .array(
      z.string().transform((text, ctx) => {
        const origin = publicOrigin(text);
        if (typeof origin === 'string') return origin;
        ctx.addIssue({ code: 'custom', message: origin.message });
        return z.NEVER;
      }),
    )
    .max(16)
    .default([])
    .transform((origins) => [...new Set(origins)]),
  /** Address of the device broker; defaults to `bind`. */
  brokerBind: z.string().min(1).max(253).optional(),
  db: z.string().min(1).optional(),
  /**
   * Print the admin token (the URL with it, and adminToken in HYPERTCP_READY) on this start too; without
   * it only the start that generated the token prints it, as stdout often lands in a log (journald).
   */
  printToken: z.boolean().default(false),
  /** Print the admin token kept in the database and exit, serving nothing (flag only). */
  showToken: z.boolean().default(false),
  /** Replace the generated admin token with a new one on this start, and print it (flag only). */
  newAdminToken: z.boolean().default(false),
  adminToken: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'admin token uses A-Z a-z 0-9 _ -')
    .refine(strongEnough, `admin token too weak (at least ${MIN_ADMIN_TOKEN_LENGTH} characters, ${MIN_ADMIN_TOKEN_VARIETY} of them different): generate one with ${GENERATE_TOKEN}, or leave it out and the host generates one`)
    .optional(),
  static: z.string().min(1).default(resolve(ROOT, 'dist/renderer')),
  demo: z.boolean().default(false),
  /** How many simulated devices --demo starts (a large lab for trying the UI at scale). */
  demoDevices: z.number().int().min(MIN_DEMO_DEVICES, DEMO_RANGE).max(MAX_DEMO_DEVICES, DEMO_RANGE).default(DEMO_DEVICES.length),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** Path of the simulator used by --demo. */
  sim: z.string().default(resolve(ROOT, 'firmware/build/hypertcp-sim')),
  /** Rows one filtered traffic search looks back (the UI offers "search further back"). */
  trafficScanRows: z.number().int().min(1).optional(),
});
export type HostConfig = z.infer<typeof HostConfig>;

export const USAGE = `Usage: npm run serve -- [flags]
  --tcp-port N       broker TCP port (default: the one saved in Settings, 8080 at first; 0 = ephemeral)
  --udp-port N       broker UDP port (default: off; with --demo the TCP port's number)
  --http-port N      web UI and API port (default 8090, 0 = ephemeral)
  --bind ADDR        address of the web UI (default 127.0.0.1; others need TLS)
  --host-name NAME   another name the web UI is reached by (e.g. pi.lan; repeatable; the
                     machine's host name and NAME.local are known already)
  --public-url URL   the URL users open through a reverse proxy (Caddy, nginx) that terminates
                     TLS and forwards to this host, e.g. https://panel.lan (repeatable; scheme://host[:port]
                     only): its name is accepted as Host and its origin for the API, on any --bind.
                     X-Forwarded-* headers are never trusted
  --broker-bind ADDR address of the device broker (default: --bind)
  --db PATH          SQLite database file (default hypertcp-panel/hypertcp.db in $XDG_DATA_HOME or
                     ~/.local/share, or demo.db beside it with --demo, so the demo never touches
                     your lab's data)
  --admin-token T    admin token (default: generated once and kept in the database); other users
                     of this machine see command lines (ps): give your own in --config instead;
                     one of your own needs 22+ characters of A-Z a-z 0-9 _ -, 8+ of them different
  --print-token      print the admin token (URL and HYPERTCP_READY) on this start too; without it
                     only the first start, which generates it, prints it (stdout may be kept in a log;
                     --demo always prints it)
  --show-token       print the admin token and the URLs with it, then exit without serving (reads the
                     database, so it works beside a running host; give the same --db or --config): the
                     URLs the host recorded at its last start, else ones built from the flags given
  --new-admin-token  replace the generated admin token with a fresh one on this start (the old one
                     stops working) and print it with the URLs, as the first start does. Stop the
                     service and run it once from a terminal, so the new token stays out of its log
  --static DIR       built UI to serve (default dist/renderer)
  --tls-cert F --tls-key F   PEM files for HTTPS (generated when binding elsewhere without them, and
                     made again, the old pair kept as .bak, when a new name or IPv4 address appears)
  --demo             start simulated relay and sensor devices
  --demo-devices N   how many simulated devices --demo starts, ${MIN_DEMO_DEVICES}-${MAX_DEMO_DEVICES} (default ${DEMO_DEVICES.length}: 3 relays,
                     2 sensors; more alternate relay-006, sensor-007...)
  --sim PATH         simulator binary for --demo (default firmware/build/hypertcp-sim)
  --traffic-scan-rows N  rows one filtered traffic search looks back (default 500000)
  --config FILE      JSON file with the same settings (camelCase keys); flags win`;

export function defaultDbPath(demo = false): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'hypertcp-panel', demo ? 'demo.db' : 'hypertcp.db');
}

const int = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${flag} must be a number, got "${v}"`);
  return Number(v);
};

/** Flags over the config file over defaults; throws an Error with a readable message. */
export function parseHostArgs(argv: string[]): HostConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'tcp-port': { type: 'string' }, 'udp-port': { type: 'string' }, 'http-port': { type: 'string' },
      bind: { type: 'string' }, 'host-name': { type: 'string', multiple: true }, 'public-url': { type: 'string', multiple: true }, 'broker-bind': { type: 'string' }, db: { type: 'string' },
      'admin-token': { type: 'string' }, 'print-token': { type: 'boolean' }, 'show-token': { type: 'boolean' }, 'new-admin-token': { type: 'boolean' }, static: { type: 'string' }, demo: { type: 'boolean' },
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, sim: { type: 'string' },
      'traffic-scan-rows': { type: 'string' }, 'demo-devices': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const file = values.config ? readConfigFile(values.config) : {};
  const flags = Object.fromEntries(
    Object.entries({
      tcpPort: int('tcp-port', values['tcp-port']), udpPort: int('udp-port', values['udp-port']), httpPort: int('http-port', values['http-port']),
      bind: values.bind, hostNames: values['host-name'], publicUrls: values['public-url'], brokerBind: values['broker-bind'], db: values.db, adminToken: values['admin-token'],
      printToken: values['print-token'], showToken: values['show-token'], newAdminToken: values['new-admin-token'], static: values.static,
      demo: values.demo, tlsCert: values['tls-cert'], tlsKey: values['tls-key'], sim: values.sim,
      trafficScanRows: int('traffic-scan-rows', values['traffic-scan-rows']),
      demoDevices: int('demo-devices', values['demo-devices']),
    }).filter(([, v]) => v !== undefined),
  );
  // a config file saying so would make a service print and exit (or replace its token) at every start
  if ('showToken' in file) throw new Error(`--config ${values.config}: showToken is a flag (--show-token), not a setting`);
  if ('newAdminToken' in file) throw new Error(`--config ${values.config}: newAdminToken is a flag (--new-admin-token), not a setting`);
  const input = { ...file, ...flags };
  const parsed = HostConfig.safeParse(input, { error: plainMessage });
  if (!parsed.success) {
    // a value (or an unknown key) from the file is named with the file and its key, one from a flag with the flag the user typed
    const fromFile = (i: z.core.$ZodIssue) => values.config !== undefined && (i.path.length === 0 || (String(i.path[0]) in file && !(String(i.path[0]) in flags)));
    const where = (i: z.core.$ZodIssue) => (fromFile(i) ? `--config ${values.config}: ${i.path.join('.') || 'config'}` : flagOf(i, input));
    throw new Error(parsed.error.issues.map((i) => `${where(i)}: ${i.message}`).join('; '));
  }
  if (parsed.data.newAdminToken && parsed.data.adminToken) throw new Error('--new-admin-token replaces the generated admin token: it does not go with --admin-token (or adminToken in --config)');
  if (parsed.data.newAdminToken && parsed.data.showToken) throw new Error('--new-admin-token and --show-token do not go together: start with --new-admin-token, then --show-token prints the new one');
  if (Boolean(parsed.data.tlsCert) !== Boolean(parsed.data.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  // without --demo nothing is simulated, and the real database would be used: say so rather than ignore it
  if (values['demo-devices'] !== undefined && !parsed.data.demo) throw new Error('--demo-devices goes with --demo');
  return parsed.data;
}

/** The config file's settings: a JSON object, said so when it is anything else (null, a list). */
function readConfigFile(path: string): Record<string, unknown> {
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // JSON.parse's message quotes the text around the error, and the admin token may stand there
    const at = err instanceof SyntaxError ? (/ at position \d+(?: \(line \d+ column \d+\))?/.exec(err.message)?.[0] ?? '') : '';
    throw new Error(`--config ${path}: ${err instanceof SyntaxError ? `not valid JSON${at}` : (err as Error).message}`);
  }
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new Error(`--config ${path}: must contain a JSON object`);
  return file as Record<string, unknown>;
}

/** The repeatable flags, named in the singular the user types. */
const REPEATED_FLAGS: Record<string, string> = { hostNames: '--host-name', publicUrls: '--public-url' };

/** The flag an issue's setting comes from (httpPort: --http-port); a repeated flag's value is quoted unless the message does, as several may be given. */
function flagOf(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const [key, index] = [String(issue.path[0] ?? ''), issue.path[1]];
  const repeated = REPEATED_FLAGS[key];
  if (repeated) {
    const value = typeof index === 'number' ? (input[key] as unknown[] | undefined)?.[index] : undefined;
    return typeof value === 'string' && !issue.message.includes(value) ? `${repeated} ${JSON.stringify(value)}` : repeated;
  }
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Zod's default messages in words (the schema's own messages win over these). */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const unit = (origin: string) => (origin === 'string' ? ' characters' : origin === 'array' ? ' values' : '');
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}${unit(issue.origin)}`;
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}${unit(issue.origin)}`;
  if (issue.code === 'invalid_type') return `must be a${/^[aeiou]/.test(issue.expected) ? 'n' : ''} ${issue.expected}`;
  return undefined;
}
