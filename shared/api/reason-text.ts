/**
 * A disconnect reason in words: 'closed_by_peer: read ECONNRESET' -> 'closed by peer: read ECONNRESET'
 * (the broker's reasons are identifiers, docs/PROTOCOL.md; the detail after the colon is kept as is).
 * The UI's device list and the hub's offline alerts say it the same way.
 */
export function reasonText(reason: string): string {
  const colon = reason.indexOf(':');
  const code = colon < 0 ? reason : reason.slice(0, colon);
  return code.replace(/_/g, ' ') + (colon < 0 ? '' : reason.slice(colon));
}
