import { describe, expect, it } from 'vitest';
import { dayOf, formatTime, formatValue, reasonText } from './format';

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

describe('formatTime (traffic list, message detail, command history)', () => {
  const utc = (iso: string) => Date.parse(`${iso}Z`);
  const now = utc('2026-12-07T19:00:00.000');
  const fixed = { now, timeZone: 'UTC' };

  it('gives only the time, to the millisecond, for a time of today', () => {
    expect(formatTime(utc('2026-12-07T09:03:05.042'), { ...fixed, locale: 'en-GB' })).toBe('09:03:05.042');
    // 24-hour in every locale, so the column stays as wide
    expect(formatTime(utc('2026-12-07T14:03:05.042'), { ...fixed, locale: 'en-US' })).toBe('14:03:05.042');
  });

  it('puts the date, in the viewer\'s locale, in front of a time from another day, and the year when not this one', () => {
    expect(formatTime(utc('2026-12-06T23:59:59.999'), { ...fixed, locale: 'en-GB' })).toBe('6 Dec 23:59:59.999');
    expect(formatTime(utc('2026-12-06T23:59:59.999'), { ...fixed, locale: 'en-US' })).toBe('Dec 6 23:59:59.999');
    expect(formatTime(utc('2025-11-30T08:00:00.000'), { ...fixed, locale: 'en-GB' })).toBe('30 Nov 2025 08:00:00.000');
    expect(formatTime(utc('2026-12-06T08:00:00.000'), { ...fixed, locale: 'de-DE' })).toBe('6. Dez. 08:00:00,000');
  });

  it('takes today worked out once (dayOf) for many rows, with the same result as from now', () => {
    const today = dayOf(now, { timeZone: 'UTC', locale: 'en-GB' });
    for (const iso of ['2026-12-07T09:03:05.042', '2026-12-06T23:59:59.999', '2025-11-30T08:00:00.000']) {
      expect(formatTime(utc(iso), { today, timeZone: 'UTC', locale: 'en-GB' })).toBe(formatTime(utc(iso), { ...fixed, locale: 'en-GB' }));
    }
    expect(formatTime(utc('2026-12-06T08:00:00.000'), { today, timeZone: 'UTC', locale: 'en-GB' })).toBe('6 Dec 08:00:00.000');
  });

  it('decides "today" in the viewer\'s time zone', () => {
    // 23:30 UTC on the 6th is already the 7th in Berlin
    expect(formatTime(utc('2026-12-06T23:30:00.000'), { now, timeZone: 'Europe/Berlin', locale: 'en-GB' })).toBe('00:30:00.000');
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
