import { describe, expect, it } from 'vitest';
import { locateNativeWire } from './wire';

/** A file tree as a set of paths: `exists` answers from it. */
const tree = (...files: string[]) => (file: string) => files.includes(file);

describe('where the native addon is looked for', () => {
  it('takes the built addon of the repository holding the working directory, else of the one holding the module', () => {
    const files = tree('/src/app/package.json', '/src/app/dist/native/wire.node', '/home/u/package.json');
    expect(locateNativeWire('/src/app/sub', '/elsewhere/dist/host', files)).toBe('/src/app/dist/native/wire.node');
    expect(locateNativeWire('/home/u/x', '/src/app/dist/host', files)).toBe('/src/app/dist/native/wire.node');
  });

  it("names the module's own repository when the addon is not built (a bundle in dist/host is not two folders deep)", () => {
    const files = tree('/tmp/fresh/package.json', '/home/u/package.json');
    // the host bundle, run from a home folder that is itself a package: the note must name /tmp/fresh
    expect(locateNativeWire('/home/u', '/tmp/fresh/dist/host', files)).toBe('/tmp/fresh/dist/native/wire.node');
    expect(locateNativeWire('/', '/nowhere/at/all', tree())).toBeNull();
  });
});
