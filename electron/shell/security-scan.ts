/**
 * Runs @doyensec/electronegativity over the shell's production sources, the renderer's index.html
 * (its CSP) and package.json, fully offline, and compares the findings with a reviewed allowlist.
 * The tool itself exits 0 whatever it finds, so this is what fails the build: any HIGH or MEDIUM
 * finding without an allowlist entry (check + file + reason), and any allowlist entry nothing matches.
 *
 * CLI: npx tsx electron/shell/security-scan.ts   (exit 1 on unjustified findings)
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ALLOWLIST_FILE = join(ROOT, 'electron', 'shell', 'electronegativity-allowlist.json');

export interface Finding {
  check: string;
  severity: 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
  confidence: 'CERTAIN' | 'FIRM' | 'TENTATIVE';
  file: string;
  line: number;
  sample: string;
  description: string;
}

export interface AllowEntry {
  check: string;
  file: string;
  reason: string;
}

export interface Verdict {
  findings: Finding[];
  /** HIGH/MEDIUM findings with no allowlist entry: these fail the build. */
  unjustified: Finding[];
  /** Allowlist entries that match nothing any more: remove them. */
  stale: AllowEntry[];
  parseErrors: string[];
}

/** The files electronegativity looks at: everything the shell ships, not its tests or test doubles. */
export function stageScanInput(files: { shellDir?: string; indexHtml?: string } = {}): string {
  const shellDir = files.shellDir ?? join(ROOT, 'electron', 'shell');
  const dir = mkdtempSync(join(tmpdir(), 'electronegativity-'));
  mkdirSync(join(dir, 'shell'));
  for (const name of readdirSync(shellDir)) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.startsWith('fake-') || name === 'security-scan.ts') continue;
    cpSync(join(shellDir, name), join(dir, 'shell', name));
  }
  cpSync(files.indexHtml ?? join(ROOT, 'renderer', 'index.html'), join(dir, 'index.html'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return dir;
}

type RawIssue = {
  id: string;
  severity: { name: Finding['severity'] };
  confidence: { name: Finding['confidence'] };
  file: string;
  location: { line: number };
  sample?: string;
  description: string;
};
type Runner = (options: Record<string, unknown>) => Promise<{ issues: RawIssue[]; errors: { file: string; message: string; tolerable: boolean }[] }>;

let runner: Runner | null = null;

/**
 * Loads the tool with its translation loader replaced by a local one: the stock loader fetches
 * translations from the network first. The version check that downloads Electron's release list is
 * excluded in runScan (the version is pinned in package.json and reviewed with npm audit instead).
 */
function loadRunner(): Runner {
  if (runner !== null) return runner;
  const require = createRequire(join(ROOT, 'package.json'));
  const pkgDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const toolRequire = createRequire(join(pkgDir, 'package.json'));
  const i18nPath = join(pkgDir, 'dist', 'locales', 'i18n.js');
  const i18n = toolRequire('i18n') as { configure(o: object): void; setLocale(l: string): void };
  const offline = async (): Promise<void> => {
    i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: dirname(i18nPath), updateFiles: false, objectNotation: true, retryInDefaultLocale: true, register: globalThis });
    i18n.setLocale('en-US');
  };
  const stub = new Module(i18nPath);
  stub.filename = i18nPath;
  stub.loaded = true;
  stub.exports = offline;
  (require.cache as Record<string, unknown>)[i18nPath] = stub;
  runner = toolRequire(join(pkgDir, 'dist', 'runner.js')) as Runner;
  return runner;
}

export async function runScan(input: string, electronVersion: string): Promise<{ findings: Finding[]; parseErrors: string[] }> {
  const run = loadRunner();
  const result = await run({
    input,
    isRelative: true,
    isSarif: false,
    customScan: [],
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  });
  const findings = result.issues.map((i) => ({
    check: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    file: i.file.split(/[\\/]/).pop() ?? i.file,
    line: i.location.line,
    sample: String(i.sample ?? '').slice(0, 200),
    description: i.description,
  }));
  const parseErrors = result.errors.filter((e) => !e.tolerable).map((e) => `${basename(e.file)}: ${e.message}`);
  return { findings, parseErrors };
}

export function loadAllowlist(file = ALLOWLIST_FILE): AllowEntry[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array`);
  return raw.map((e: Partial<AllowEntry>, i) => {
    if (typeof e.check !== 'string' || typeof e.file !== 'string' || typeof e.reason !== 'string' || e.reason.trim().length < 20) {
      throw new Error(`${file}[${i}]: each entry needs check, file and a reason of at least 20 characters`);
    }
    return { check: e.check, file: e.file, reason: e.reason };
  });
}

export function judge(findings: Finding[], allowlist: AllowEntry[], parseErrors: string[] = []): Verdict {
  const allowed = (f: Finding): boolean => allowlist.some((a) => a.check === f.check && a.file === f.file);
  const serious = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM');
  return {
    findings,
    unjustified: serious.filter((f) => !allowed(f)),
    stale: allowlist.filter((a) => !serious.some((f) => a.check === f.check && a.file === f.file)),
    parseErrors,
  };
}

export async function checkShell(): Promise<Verdict> {
  const input = stageScanInput();
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
    const { findings, parseErrors } = await runScan(input, pkg.version);
    return judge(findings, loadAllowlist(), parseErrors);
  } finally {
    rmSync(input, { recursive: true, force: true });
  }
}

export function formatFinding(f: Finding): string {
  return `${f.severity}/${f.confidence} ${f.check} ${f.file}:${f.line} ${f.description}${f.sample ? ` (${f.sample})` : ''}`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  checkShell().then((v) => {
    for (const f of v.findings) console.log(formatFinding(f));
    for (const f of v.unjustified) console.error(`NOT ALLOWLISTED: ${formatFinding(f)}`);
    for (const a of v.stale) console.error(`STALE ALLOWLIST ENTRY: ${a.check} ${a.file}`);
    for (const e of v.parseErrors) console.error(`PARSE ERROR: ${e}`);
    const failed = v.unjustified.length + v.stale.length + v.parseErrors.length > 0;
    console.log(`${v.findings.length} findings, ${v.unjustified.length} unjustified, ${v.stale.length} stale allowlist entries`);
    process.exit(failed ? 1 : 0);
  });
}
