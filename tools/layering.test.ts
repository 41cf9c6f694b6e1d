import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

describe('layering lint check', () => {
  it.each([
    ['shared/protocol/x.ts', "import { readFileSync } from 'node:fs'; export const r = readFileSync;"],
    ['shared/protocol/x.ts', "import { app } from 'electron'; export const a = app;"],
    ['shared/api/x.ts', "import { Broker } from '../../electron/broker/broker'; export const b = Broker;"],
    ['shared/api/x.ts', "import { App } from '../../renderer/src/App'; export const b = App;"],
    ['shared/api/x.ts', 'export const w = window.location;'],
    ['renderer/src/x.ts', "import net from 'net'; export const n = net;"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron'; export const i = ipcRenderer;"],
    ['renderer/src/x.ts', "import { Broker } from '../../electron/broker/broker'; export const b = Broker;"],
    ['renderer/src/x.ts', "import { z } from 'zod'; export const s = z.string();"],
    ['renderer/src/features/x.tsx', "import { Settings } from '../../../shared/api/contract'; export const s = Settings;"],
    ['electron/broker/x.ts', "import { app } from 'electron'; export const a = app;"],
    ['electron/hub/x.ts', "import { BrowserWindow } from 'electron/main'; export const b = BrowserWindow;"],
  ])('rejects a forbidden import in %s', async (filePath, code) => {
    expect(await restrictedMessages(code, filePath)).not.toEqual([]);
  });

  it.each([
    ['shared/protocol/x.ts', "import { Command } from './constants'; export const c = Command;"],
    ['renderer/src/x.ts', "import { Command } from '../../shared/protocol/constants'; export const c = Command;"],
    ['renderer/src/x.ts', "import type { Settings } from '../../shared/api/contract'; export const s: Settings | null = null;"],
    ['renderer/src/x.ts', "import { SETTINGS_NUMBER_LIMITS } from '../../shared/api/limits'; export const l = SETTINGS_NUMBER_LIMITS;"],
    ['renderer/src/x.test.tsx', "import { defaultSettings } from '../../shared/api/contract'; export const d = defaultSettings;"],
    ['electron/broker/x.ts', "import net from 'node:net'; export const n = net;"],
    ['electron/shell/x.ts', "import { app } from 'electron'; export const a = app;"],
  ])('allows what the layer may use in %s', async (filePath, code) => {
    expect(await restrictedMessages(code, filePath)).toEqual([]);
  });
});
