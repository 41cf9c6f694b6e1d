import { describe, expect, it } from 'vitest';
import { builtinValues, fillTemplate, templateVars, userVars } from './template';

describe('command templates', () => {
  it('lists variables once, in order, and separates the built-ins', () => {
    const t = '{"to":"{{device}}","n":{{count}},"id":"{{ uuid }}","again":"{{count}}"}';
    expect(templateVars(t)).toEqual(['device', 'count', 'uuid']);
    expect(userVars(t)).toEqual(['count']);
  });
  it('fills values escaped for JSON strings; numbers pass through; unknown names stay', () => {
    const out = fillTemplate('{"t":"{{text}}","n":{{n}},"x":"{{missing}}"}', { text: 'say "hi"\n', n: '42' });
    expect(out).toBe('{"t":"say \\"hi\\"\\n","n":42,"x":"{{missing}}"}');
    expect(JSON.parse(fillTemplate('{"t":"{{text}}"}', { text: 'a"b' }))).toEqual({ t: 'a"b' });
  });
  it('built-ins: ts, uuid, device', () => {
    const v = builtinValues('lamp-1', 1234);
    expect(v.ts).toBe('1234');
    expect(v.device).toBe('lamp-1');
    expect(v.uuid).toMatch(/^[0-9a-f-]{16,}$/);
  });
});
