import { describe, expect, it } from 'vitest';
import { formatValue, reasonText } from './format';

describe('formatValue (telemetry tiles, chart tooltips)', () => {
  it('groups the digits of large readings and keeps at most 3 decimals; other values as sent', () => {
    expect(formatValue(182054)).toMatch(/^182\D054$/);
    expect(formatValue(21.56789)).toMatch(/^21\D568$/);
    expect(formatValue(-70)).toMatch(/^\D70$/);
    expect(formatValue(0)).toBe('0');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(true)).toBe('true');
    expect(formatValue('open')).toBe('open');
  });
});

describe('reasonText (why a device dropped)', () => {
  it('puts the reason identifier in words and keeps the detail after the colon as it is', () => {
    expect(reasonText('keepalive_timeout')).toBe('keepalive timeout');
    expect(reasonText('closed_by_peer: read ECONNRESET')).toBe('closed by peer: read ECONNRESET');
    expect(reasonText('protocol_error: bad_cmd 0x7f')).toBe('protocol error: bad_cmd 0x7f');
    expect(reasonText('revoked')).toBe('revoked');
  });
});
