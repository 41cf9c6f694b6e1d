import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { BatchAck, useApp, useAppStore } from '../../store/context';
import { CommandsView } from '../commands/CommandsView';
import { DeviceDetail } from '../devices/DeviceDetail';
import { DevicesView } from '../devices/DevicesView';
import { MetricsView } from '../metrics/MetricsView';
import { SettingsView } from '../settings/SettingsView';
import { TokensView } from '../settings/TokensView';
import { TrafficView } from '../traffic/TrafficView';
import { BrowserAlerts } from './browser-alerts';
import { CommandPalette } from './CommandPalette';
import { NAV } from './nav';
import { NavIcon } from './NavIcon';
import { useShortcuts } from './shortcuts';
import { HostStatus, Notices, StaleBanner } from './StatusBar';
import { useResolvedTheme } from './theme';

const APP_TITLE = 'HyperTCP Panel';

/** The window's (tab's) title for a view: said by a screen reader on a view change, and tells tabs apart. */
function viewTitle(view: string, device: string | null): string {
  if (view === 'device' && device) return `${device} · Devices · ${APP_TITLE}`;
  const label = NAV.find((n) => n.view === view)?.label;
  return label ? `${label} · ${APP_TITLE}` : APP_TITLE;
}

function CurrentView() {
  const view = useApp((s) => s.view);
  switch (view) {
    case 'devices':
      return <DevicesView />;
    case 'device':
      return <DeviceDetail />;
    case 'traffic':
      return <TrafficView />;
    case 'metrics':
      return <MetricsView />;
    case 'commands':
      return <CommandsView />;
    case 'tokens':
      return <TokensView />;
    case 'settings':
      return <SettingsView />;
  }
}

export function App() {
  const store = useAppStore();
  const { view, theme, online, total } = useApp(
    useShallow((s) => ({ view: s.view, theme: s.theme, online: s.deviceIds.reduce((n, id) => n + (s.devices[id]?.online ? 1 : 0), 0), total: s.deviceIds.length })),
  );
  const navigate = useApp((s) => s.navigate);
  const device = useApp((s) => s.selectedDevice);
  const resolved = useResolvedTheme(theme);
  useEffect(() => {
    document.title = viewTitle(view, device);
  }, [view, device]);
  useShortcuts(store);
  useEffect(() => {
    document.documentElement.dataset.theme = resolved;
  }, [resolved]);
  return (
    <div className="app" data-testid="app">
      <BatchAck />
      {/* first Tab stop: past the six view buttons to the page. Focus is moved by hand: the URL
          hash is the app's route, so following href="#main" would navigate away */}
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Views">
        <div className="brand">
          <span className="brand-full">
            HyperTCP <span className="muted">Panel</span>
          </span>
          <span className="brand-short" aria-hidden="true">
            HT
          </span>
        </div>
        {NAV.map((n) => (
          <button
            type="button"
            key={n.view}
            className={`nav-item${view === n.view || (view === 'device' && n.view === 'devices') ? ' active' : ''}`}
            onClick={() => navigate(n.view)}
            aria-current={view === n.view || (view === 'device' && n.view === 'devices') ? 'page' : undefined}
            data-testid={`nav-${n.view}`}
            title={`${n.label} (${n.key})`}
          >
            <NavIcon view={n.view} />
            <span className="nav-label">{n.label}</span>
            {n.view === 'devices' && total > 0 && (
              <span className="muted nav-count">
                {' '}
                {online}/{total}
              </span>
            )}
          </button>
        ))}
        <div className="sidebar-foot muted">Ctrl+K commands · / search · p pause (Traffic)</div>
      </nav>
      <main className="main" id="main" tabIndex={-1}>
        <header className="topbar">
          <HostStatus />
        </header>
        <StaleBanner />
        <ErrorBoundary resetKey={view}>
          <CurrentView />
        </ErrorBoundary>
      </main>
      <Notices />
      <BrowserAlerts />
      <CommandPalette />
    </div>
  );
}
