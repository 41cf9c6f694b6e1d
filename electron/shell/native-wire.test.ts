/**
 * The desktop app's `nativeWire` option: from the packaged layout (resources/native/wire.node,
 * electron-builder.yml) the broker loads the addon; without the file it keeps the JS path and says
 * why. The Electron binary cannot run here, so a temp folder stands in for process.resourcesPath.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { native } from '../broker/native/testing';
import { nativeWirePath } from '../broker/native/wire';
import { startTestBroker, type TestBroker } from '../broker/testing/fixtures';
import { desktopNativeWire } from './native-wire';

let t: TestBroker | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** Two devices exchange one message: the broker works whichever data path it took. */
async function exchange(broker: TestBroker): Promise<void> {
  const a = await broker.v2('a');
  const b = await broker.v2('b');
  expect(await a.send('b', '{"on":true}')).toBe(200);
  const [delivered] = await b.waitMessages(1);
  expect([delivered?.from, delivered?.payload]).toEqual(['a', { on: true }]);
}

describe('desktopNativeWire', () => {
  it('names the addon under the resources folder when packaged, else leaves the search to the broker', () => {
    expect(desktopNativeWire({ isPackaged: true, resourcesPath: '/opt/HyperTCP Panel/resources', env: {} })).toBe(join('/opt/HyperTCP Panel/resources', 'native', 'wire.node'));
    expect(desktopNativeWire({ isPackaged: false, resourcesPath: '/repo', env: {} })).toBeUndefined();
    // HYPERTCP_NATIVE_WIRE still wins in a package: 'off' or another file.
    expect(desktopNativeWire({ isPackaged: true, resourcesPath: '/r', env: { HYPERTCP_NATIVE_WIRE: 'off' } })).toBeUndefined();
    expect(desktopNativeWire({ isPackaged: true, resourcesPath: '/r', env: { HYPERTCP_NATIVE_WIRE: '/x/wire.node' } })).toBeUndefined();
  });

  it('a packaged app without the addon runs on the JS path and says which file it missed', async () => {
    const file = desktopNativeWire({ isPackaged: true, resourcesPath: mkdtempSync(join(tmpdir(), 'resources-')), env: {} })!;
    t = await startTestBroker(['a', 'b'], { nativeWire: file });
    expect(t.broker.dataPath).toBe('js');
    expect(t.broker.dataPathNote()).toContain(process.platform === 'linux' ? file : 'Linux-only');
    await exchange(t);
  });

  it('a packaged app loads the addon from its resources', async (ctx) => {
    if (native.skip) {
      console.log(`skipped: the native wire is not available here (${native.skip})`);
      ctx.skip();
    }
    const resources = mkdtempSync(join(tmpdir(), 'resources-'));
    const file = desktopNativeWire({ isPackaged: true, resourcesPath: resources, env: {} })!;
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(nativeWirePath(), file); // what electron-builder's extraResources does (builder-config.test.ts)
    t = await startTestBroker(['a', 'b'], { nativeWire: file });
    expect([t.broker.dataPath, t.broker.dataPathNote()]).toEqual(['native', 'plain TCP on the native data path']);
    await exchange(t);
  });
});
