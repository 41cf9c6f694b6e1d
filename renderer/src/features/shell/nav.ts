import type { View } from '../../store/ui-slice';

export const NAV: { view: View; label: string; key: string }[] = [
  { view: 'devices', label: 'Devices', key: '1' },
  { view: 'traffic', label: 'Traffic', key: '2' },
  { view: 'metrics', label: 'Metrics', key: '3' },
  { view: 'commands', label: 'Commands', key: '4' },
  { view: 'tokens', label: 'Tokens', key: '5' },
  { view: 'settings', label: 'Settings', key: '6' },
];
