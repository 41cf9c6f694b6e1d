import { describe, expect, it } from 'vitest';
import { defaultSettings, DeviceId, Settings } from './contract';
import { DEVICE_ID_PATTERN, SETTINGS_NUMBER_LIMITS, type SettingsNumberKey } from './limits';

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
});
