/**
 * Development runs (`npm start`, unpackaged) load native modules built for Electron's ABI from
 * .electron-native/ (prepared by prepare-native.ts), so node_modules keeps the build for the system
 * Node that `npm test` uses. Packaged apps never take this path: electron-builder rebuilds in place.
 */
import Module from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const NATIVE_DIR = '.electron-native';
export const NATIVE_MODULES = ['better-sqlite3'] as const;

type Resolve = (this: unknown, request: string, parent: unknown, ...rest: unknown[]) => string;
interface ResolverHost {
  _resolveFilename: Resolve;
}

/** Returns false (and changes nothing) when .electron-native/ has not been prepared. */
export function routeNativeModules(root: string, host: ResolverHost = Module as unknown as ResolverHost): boolean {
  const dir = join(root, NATIVE_DIR, 'node_modules');
  if (!NATIVE_MODULES.every((m) => existsSync(join(dir, m, 'package.json')))) return false;
  const original = host._resolveFilename;
  host._resolveFilename = function (request, parent, ...rest) {
    const routed = NATIVE_MODULES.some((m) => request === m || request.startsWith(`${m}/`));
    return original.call(this, routed ? join(dir, request) : request, parent, ...rest);
  };
  return true;
}
