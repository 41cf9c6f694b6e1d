/** Variables the host fills itself in saved.run. */
export const BUILTIN_VARS = ['ts', 'uuid', 'device'] as const;

const VAR_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Variable names in a template, in order of first use. */
export function templateVars(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(VAR_RE)) seen.add(m[1]!);
  return [...seen];
}

export const userVars = (template: string) => templateVars(template).filter((v) => !(BUILTIN_VARS as readonly string[]).includes(v));

/**
 * Fills {{name}} with values escaped for use inside a JSON string (numbers and true/false pass
 * through unchanged, so `"n": {{n}}` works too). Unknown names are left for the caller to report.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(VAR_RE, (whole, name: string) => (name in values ? JSON.stringify(values[name]).slice(1, -1) : whole));
}

export function builtinValues(device: string, now = Date.now()): Record<string, string> {
  return { ts: String(now), uuid: globalThis.crypto?.randomUUID?.() ?? `${now}-${Math.random().toString(16).slice(2)}`, device };
}
