import type { View } from '../../store/ui-slice';

/** Stroke paths (24-unit box) of each view's icon: the narrow window's rail shows only these. */
const PATHS: Partial<Record<View, string>> = {
  // a board with pins
  devices: 'M7 7h10v10H7zM10 3v4M14 3v4M10 17v4M14 17v4M3 10h4M3 14h4M17 10h4M17 14h4',
  // arrows both ways
  traffic: 'M7 4v16M3 8l4-4 4 4M17 20V4M13 16l4 4 4-4',
  // a rising line over an axis
  metrics: 'M4 4v16h16M7 15l4-4 3 3 5-6',
  // a prompt
  commands: 'M4 6l6 6-6 6M12 18h8',
  // a key
  tokens: 'M14.5 9.5a4 4 0 1 1-1-1M13.5 8.5L20 2M17 5l2 2M15 7l2 2',
  // sliders
  settings: 'M4 6h16M4 12h16M4 18h16M9 4v4M15 10v4M7 16v4',
};

export function NavIcon({ view }: { view: View }) {
  return (
    <svg className="nav-icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[view]} />
    </svg>
  );
}
