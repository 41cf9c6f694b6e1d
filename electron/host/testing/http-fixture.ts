import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiServer } from '../../api/server';

/** An API that answers every call with 'pong': the web tests check who gets through, not what the hub does. */
export const pongApi: ApiServer = { dispatch: () => Promise.resolve({ ok: true, result: 'pong' }), subscribe: () => () => {}, ack: () => {} };

export const PANEL_HTML = '<!doctype html><title>panel</title>';

/** A built UI stand-in (index.html only) in `dir`/ui; returns its path. */
export function fakeUi(dir: string): string {
  const ui = join(dir, 'ui');
  mkdirSync(ui, { recursive: true });
  writeFileSync(join(ui, 'index.html'), PANEL_HTML);
  return ui;
}
