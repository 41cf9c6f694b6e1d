import { describe, expect, it } from 'vitest';
import { isValidDeviceId } from '../protocol/envelope';
import { defaultSettings, DeviceId, methods, Settings } from './contract';
import { DEVICE_ID_PATTERN, RESERVED_DEVICE_ID_RULE, RESERVED_DEVICE_IDS, SETTINGS_NUMBER_LIMITS, type SettingsNumberKey } from './limits';

// The UI checks input against limits.ts alone; the host against contract.ts' schemas. These say
// they are one rule.
describe('the UI limits are the schema', () => {
  it('every whole-number setting: its limits pass, one past either fails, and a fraction fails', () => {
    const keys = Object.keys(SETTINGS_NUMBER_LIMITS) as SettingsNumberKey[];
    const numeric = Object.keys(Settings.shape).filter((k) => Settings.shape[k as keyof typeof Settings.shape].def.type === 'number');
    expect(keys.sort()).toEqual(numeric.sort());
    for (const key of keys) {
      const { min, max } = SETTINGS_NUMBER_LIMITS[key];
      const with_ = (v: number) => Settings.safeParse({ ...defaultSettings, [key]: v }).success;
      expect([with_(min), with_(max), with_(min - 1), with_(max + 1), with_(min + 0.5)], key).toEqual([true, true, false, false, false]);
    }
  });

  it('a device id is valid for the UI exactly when the schema takes it', () => {
    for (const id of ['lamp-1', 'a', 'x'.repeat(64), 'x'.repeat(65), '', 'with space', 'dots.and:colons_', 'ümlaut', 'lamp/1']) {
      expect(DEVICE_ID_PATTERN.test(id), id).toBe(DeviceId.safeParse(id).success);
    }
  });

  it('no token is created for a name the protocol routes elsewhere, with the rule the UI shows', () => {
    const create = (id: string) => methods['tokens.create'].safeParse({ id });
    for (const id of RESERVED_DEVICE_IDS) expect(create(id).error?.issues[0]?.message, id).toBe(RESERVED_DEVICE_ID_RULE);
    expect(create('server-room').success).toBe(true);
    expect(isValidDeviceId('server') || isValidDeviceId('broadcast')).toBe(false);
  });
});
