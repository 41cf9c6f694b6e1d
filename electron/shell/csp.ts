/**
 * The renderer's Content-Security-Policy: the same policy the headless host serves
 * (electron/host/static-files.ts), so both modes run the UI under one set of rules. The main process
 * adds it as a response header to every response of the window's session, and the app:// handler
 * (app-scheme.ts) to every page and asset it serves, where 'self' means app://panel only;
 * renderer/index.html carries it in a meta tag too (csp.test.ts checks both).
 */
import { CONTENT_SECURITY_POLICY } from '../host/static-files';

export const CSP_HEADER = CONTENT_SECURITY_POLICY;

/** Returns the response headers with our CSP set, replacing any CSP the response carried. */
export function withCsp(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [CSP_HEADER];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}
