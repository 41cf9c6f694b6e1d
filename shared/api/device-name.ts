/** The device as users know it: "greenhouse-1 (Greenhouse)", or the id alone without a label (the hub's alerts and the UI's notices alike). */
export function deviceName(id: string, label: string | null): string {
  return label && label !== id ? `${id} (${label})` : id;
}
