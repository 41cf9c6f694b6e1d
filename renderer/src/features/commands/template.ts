import { checkJsonObject, type JsonCheck } from '../../components/json-input';

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

/**
 * Checks a payload that may be a template: its {{variables}} are filled first (the built-ins for
 * `device`, the user's own with the placeholder 0, which fits inside a string and as a number), so
 * `"value":{{on}}` is valid. `note` names the variables for the editor ("Template with variables: on").
 */
export function checkTemplate(text: string, device: string): { check: JsonCheck; vars: string[]; own: string[]; note: string | undefined } {
  const vars = templateVars(text);
  const own = userVars(text);
  if (vars.length === 0) return { check: checkJsonObject(text), vars, own, note: undefined };
  const check = checkJsonObject(fillTemplate(text, { ...builtinValues(device || 'device', 0), ...Object.fromEntries(own.map((v) => [v, '0'])) }));
  return { check: check.ok ? check : { ok: false, error: `${check.error} (with the variables filled in)` }, vars, own, note: `Template with variables: ${vars.join(', ')}` };
}
