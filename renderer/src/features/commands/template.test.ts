import { describe, expect, it } from 'vitest';
import { builtinValues, checkTemplate, fillTemplate, templateVars, userVars } from './template';

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
  it('checks a template as it would be sent: variables filled, named in the note', () => {
    expect(checkTemplate('{"cmd":"set","value":{{on}},"who":"{{device}}"}', 'lamp-1')).toMatchObject({ check: { ok: true, value: { cmd: 'set', value: 0, who: 'lamp-1' } }, own: ['on'], note: 'Template with variables: on, device' });
    expect(checkTemplate('{"cmd":"ping"}', 'lamp-1')).toMatchObject({ check: { ok: true }, vars: [], note: undefined });
    expect(checkTemplate('{"v":{{on}}', 'lamp-1').check).toMatchObject({ ok: false, error: expect.stringMatching(/^Not valid JSON: .*\(with the variables filled in\)$/) });
  });
});
