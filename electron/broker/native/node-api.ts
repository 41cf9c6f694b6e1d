import { existsSync } from 'node:fs';
import path from 'node:path';

/** The running Node's Node-API headers: official builds ship them in <prefix>/include/node. */
export function nodeApiHeaders(): string {
  const dir = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  if (!existsSync(path.join(dir, 'node_api.h'))) throw new Error(`no Node-API headers at ${dir} (this Node is not an official build)`);
  return dir;
}
