/**
 * Where keyboard focus goes between the device list and a device page: the page's heading when it
 * opens, and back on the list the row of the device it was opened for. Module state, not the store:
 * it is only a hint for the list's next mount, used once.
 */
let openedFrom: string | null = null;

/** The device page of `id` is showing: the list, next time it mounts, goes back to its row. */
export function devicePageOpened(id: string): void {
  openedFrom = id;
}

/** The device whose page was open last, if the list has not gone back to it yet. */
export function devicePageToReturnTo(): string | null {
  return openedFrom;
}

/** The list went back to it (or it is gone). */
export function returnedFromDevicePage(): void {
  openedFrom = null;
}

/** Focus went with the elements of the view that was left (on the body), so moving it takes it from nothing the user chose. */
export function focusIsLost(): boolean {
  const el = document.activeElement;
  return el === null || el === document.body || !el.isConnected;
}
