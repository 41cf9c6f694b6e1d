import { buildNativeWire } from './build-native';

/** Vitest global setup: builds the native wire once, so every broker test runs on the native data path. */
export default function setup(): void {
  const built = buildNativeWire();
  if (built.file === null) console.warn(`native data path not built, broker tests use the JS path: ${built.reason}`);
}
