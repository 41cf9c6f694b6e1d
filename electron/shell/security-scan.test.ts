import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkShell, formatFinding, judge, loadAllowlist, ROOT, runScan, stageScanInput, type Finding } from './security-scan';

const electronVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
const shellDir = join(ROOT, 'electron', 'shell');

describe('electronegativity scan (offline)', () => {
  it('finds no HIGH or MEDIUM issue in the shell that the reviewed allowlist does not justify', async () => {
    const verdict = await checkShell();
    expect(verdict.parseErrors).toEqual([]);
    expect(verdict.unjustified.map(formatFinding)).toEqual([]);
    expect(verdict.stale).toEqual([]);
    expect(verdict.findings.length).toBeGreaterThan(0); // it did scan (package.json always yields a version note)
  }, 60_000);

  // What the tool catches when a protection is switched off. (It does not flag nodeIntegration: true
  // while the sandbox is on, nor a missing will-navigate guard: window.test.ts covers those at runtime.)
  const mutations: [file: string, from: string, to: string, check: string][] = [
    ['window.ts', 'contextIsolation: true', 'contextIsolation: false', 'CONTEXT_ISOLATION_JS_CHECK'],
    ['window.ts', 'sandbox: true', 'sandbox: false', 'SANDBOX_JS_CHECK'],
    ['window.ts', 'webSecurity: true', 'webSecurity: false', 'WEB_SECURITY_JS_CHECK'],
    ['window.ts', 'allowRunningInsecureContent: false', 'allowRunningInsecureContent: true', 'INSECURE_CONTENT_JS_CHECK'],
    ['hardening.ts', 'session.setPermissionRequestHandler(', 'session.setPermissionCheckHandler(', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK'],
  ];
  it.each(mutations)('bites: %s with %s -> %s fails as %s', async (file, from, to, check) => {
    const copy = mkdtempSync(join(tmpdir(), 'shell-copy-'));
    cpSync(shellDir, copy, { recursive: true });
    const source = readFileSync(join(copy, file), 'utf8');
    expect(source).toContain(from);
    writeFileSync(join(copy, file), source.replace(from, to));
    const input = stageScanInput({ shellDir: copy });
    try {
      const { findings } = await runScan(input, electronVersion);
      expect(judge(findings, loadAllowlist()).unjustified.map((f) => f.check)).toContain(check);
    } finally {
      rmSync(input, { recursive: true, force: true });
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);

  it('judges: LOW passes, allowlisted passes, unlisted MEDIUM fails, unused entries are stale', () => {
    const f = (check: string, severity: Finding['severity'], file = 'a.ts'): Finding => ({ check, severity, confidence: 'FIRM', file, line: 1, sample: '', description: '' });
    const verdict = judge([f('X', 'LOW'), f('Y', 'MEDIUM'), f('Z', 'HIGH', 'b.ts')], [
      { check: 'Z', file: 'b.ts', reason: 'reviewed: safe for reasons' },
      { check: 'W', file: 'c.ts', reason: 'reviewed: not needed any more' },
    ]);
    expect(verdict.unjustified.map((x) => x.check)).toEqual(['Y']);
    expect(verdict.stale.map((x) => x.check)).toEqual(['W']);
  });

  it('every allowlist entry carries a reason', () => {
    for (const entry of loadAllowlist()) expect(entry.reason.length).toBeGreaterThanOrEqual(20);
    const bad = join(mkdtempSync(join(tmpdir(), 'allow-')), 'a.json');
    writeFileSync(bad, JSON.stringify([{ check: 'X', file: 'y.ts', reason: 'ok' }]));
    expect(() => loadAllowlist(bad)).toThrow(/reason/);
  });
});

describe('what electronegativity does not check', () => {
  const sources = readdirSync(shellDir)
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && !n.startsWith('fake-'))
    .map((n) => [n, readFileSync(join(shellDir, n), 'utf8')] as const);

  it('only ipc.ts registers IPC handlers, so every one goes through the sender check', () => {
    const registering = sources.filter(([, text]) => /ipcMain\.(handle|on|once|handleOnce)\(/.test(text)).map(([n]) => n);
    expect(registering).toEqual(['ipc.ts']);
    const ipc = sources.find(([n]) => n === 'ipc.ts')![1];
    expect(ipc.match(/ipcMain\.(handle|on)\(/g)).toHaveLength(3); // api:call, api:ack, api:subscribe
    expect(ipc.match(/trusted\(event, CHANNELS\./g)).toHaveLength(3);
  });

  it('the preload exposes only the built bridge, never ipcRenderer', () => {
    const preload = sources.find(([n]) => n === 'preload.ts')![1];
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toContain("exposeInMainWorld('hypertcp', buildBridge(ipcRenderer, __HYPERTCP_METHODS__))");
    const bridge = sources.find(([n]) => n === 'bridge.ts')![1];
    expect(bridge).not.toMatch(/bridge\.\w+ = ipc\b|return ipc\b/);
  });

  it('nothing in the shell turns a protection off', () => {
    for (const [name, text] of sources) {
      expect(text, name).not.toMatch(/webSecurity:\s*false|allowRunningInsecureContent:\s*true|sandbox:\s*false|contextIsolation:\s*false|nodeIntegration:\s*true|webviewTag:\s*true/);
      expect(text, name).not.toMatch(/action:\s*'allow'|enableRemoteModule|--no-sandbox|disable-web-security/);
    }
  });
});
