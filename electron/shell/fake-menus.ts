/** Test helpers: find and click items in a menu template, the way a user would. */
import type { MenuItemConstructorOptions } from './electron-api';

/** Finds a menu item by id in a template (depth-first) and clicks it. */
export function clickMenuItem(template: MenuItemConstructorOptions[], id: string, checked?: boolean): void {
  const item = findMenuItem(template, id);
  if (item === undefined) throw new Error(`no menu item ${id}`);
  if (item.enabled === false) throw new Error(`menu item ${id} is disabled`);
  (item.click as ((i: { checked: boolean }) => void) | undefined)?.({ checked: checked ?? !item.checked });
}

export function findMenuItem(template: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions | undefined {
  for (const item of template) {
    if (item.id === id) return item;
    if (Array.isArray(item.submenu)) {
      const found = findMenuItem(item.submenu, id);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
