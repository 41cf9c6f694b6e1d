/**
 * The renderer's Content-Security-Policy. The main process adds it as a response header (dev server,
 * any http load); file:// pages get no headers, so renderer/index.html carries a policy in a meta tag
 * too (csp.test.ts checks that one meets the same baseline: scripts only from 'self', no plugins).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Inline styles stay allowed (Vite's dev server and chart libraries inject them); scripts never.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Header-only directives (ignored in a meta tag). */
export const CSP_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

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
