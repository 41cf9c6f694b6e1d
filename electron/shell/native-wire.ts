/**
 * Where the desktop app's broker finds the native data path's addon
 * (electron/broker/native/README.md). A native module cannot load from inside app.asar, so the
 * Linux package ships dist/native/wire.node as a resource next to it (electron-builder.yml,
 * linux.extraResources). Run from the sources (npm start), the broker finds dist/native itself.
 */
import { join } from 'node:path';

/** The addon's place under process.resourcesPath: electron-builder.yml's `to` for it. */
export const PACKAGED_NATIVE_WIRE = 'native/wire.node';

export interface NativeWirePlace {
  isPackaged: boolean;
  resourcesPath: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The Broker's `nativeWire` option: the packaged addon's file, or undefined for the broker's own
 * search (from the sources, or when HYPERTCP_NATIVE_WIRE names a file or turns it 'off').
 * An absent file (macOS, Windows, a build without g++) leaves the broker on its JS path, and
 * broker.dataPathNote() says why.
 */
export function desktopNativeWire({ isPackaged, resourcesPath, env }: NativeWirePlace): string | undefined {
  if (!isPackaged || env.HYPERTCP_NATIVE_WIRE) return undefined;
  return join(resourcesPath, ...PACKAGED_NATIVE_WIRE.split('/'));
}
