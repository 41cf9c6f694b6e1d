import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickClient } from './api/pick-client';
import { preloadCharts } from './components/SeriesChart';
import { App } from './features/shell/App';
import { connectStore, createAppStore } from './store';
import { bindHistory } from './store/history';
import { StoreProvider } from './store/context';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const picked = pickClient(window);
if (picked.kind === 'none') {
  root.render(
    <div className="fatal" data-testid="no-token">
      <h1>HyperTCP Panel</h1>
      <p>{picked.problem}</p>
      <p className="muted">Run <code>npm run serve</code> and open the link it prints.</p>
    </div>,
  );
} else {
  const store = createAppStore(picked.client);
  connectStore(store, picked.client);
  bindHistory(store, window);
  root.render(
    <StrictMode>
      <StoreProvider store={store} client={picked.client}>
        <App />
      </StoreProvider>
    </StrictMode>,
  );
  // The charts' chunk (recharts) once the first paint is done: a view with charts opens drawn, and
  // a tab left open across a host upgrade already holds the chunk its page names.
  const whenIdle = window.requestIdleCallback ?? ((run: () => void) => setTimeout(run, 200));
  whenIdle(() => void preloadCharts().catch(() => undefined));
}
