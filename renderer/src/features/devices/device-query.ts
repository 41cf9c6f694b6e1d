import type { DeviceSummary } from '../../../../shared/api/contract';
import type { DeviceFilter, DeviceSortKey } from '../../store/ui-slice';

/** A device that went offline and back this many times recently gets the flap badge. */
export const FLAP_THRESHOLD = 3;

/** What the user sees first: their label, else the device's own name, else its id. */
export const displayName = (d: DeviceSummary) => d.label ?? d.name;

export const isFlapping = (d: DeviceSummary) => d.flapCount >= FLAP_THRESHOLD;

/** Known (a token was created for it) but never logged in: how long it has been "offline" means nothing. */
export const neverConnected = (d: DeviceSummary) => !d.online && d.lastSeen === null;

/** Why a device shows no controls: v2 firmware could have declared some, legacy firmware cannot, and one that never logged in has not said. */
export function noControlsText(protocol: DeviceSummary['protocol']): string {
  if (protocol === 'v2') return 'This device declares no controls.';
  if (protocol === 'legacy') return 'It runs legacy firmware, which cannot declare controls.';
  return 'It has not logged in yet; the controls it declares show here once it does.';
}

export function numericTelemetry(d: DeviceSummary, channel: string): number | null {
  const v = d.telemetry[channel];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function sortValue(d: DeviceSummary, key: DeviceSortKey): string | number | null {
  switch (key) {
    case 'id':
      return displayName(d).toLowerCase();
    case 'online':
      return d.online ? 1 : 0;
    case 'rssi':
    case 'heap':
      return numericTelemetry(d, key);
    default:
      return d[key];
  }
}

function matchesSearch(d: DeviceSummary, q: string): boolean {
  return (
    d.id.toLowerCase().includes(q) ||
    d.name.toLowerCase().includes(q) ||
    (d.label?.toLowerCase().includes(q) ?? false) ||
    (d.address?.toLowerCase().includes(q) ?? false) ||
    (d.fw?.toLowerCase().includes(q) ?? false) ||
    (d.board?.toLowerCase().includes(q) ?? false)
  );
}

/** The ids to show, in order. Nulls sort last whatever the direction. */
export function queryDevices(
  devices: Record<string, DeviceSummary>,
  ids: string[],
  search: string,
  filter: DeviceFilter,
  sort: { key: DeviceSortKey; desc: boolean },
): string[] {
  const q = search.trim().toLowerCase();
  const picked: DeviceSummary[] = [];
  for (const id of ids) {
    const d = devices[id];
    if (!d) continue;
    if (filter === 'online' && !d.online) continue;
    if (filter === 'offline' && d.online) continue;
    if (filter === 'flapping' && !isFlapping(d)) continue;
    if (q && !matchesSearch(d, q)) continue;
    picked.push(d);
  }
  const dir = sort.desc ? -1 : 1;
  picked.sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === vb) return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    if (va === null) return 1;
    if (vb === null) return -1;
    return (va < vb ? -1 : 1) * dir;
  });
  return picked.map((d) => d.id);
}
