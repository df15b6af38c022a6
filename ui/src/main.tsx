import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';

async function boot() {
  // A browser preview for screenshots and the status page benchmark, never part of the app's
  // build (Vite drops this branch unless MAILFERRY_DEMO_BUILD=1 made a benchmark build).
  if ((import.meta.env.DEV || __MAILFERRY_DEMO_BUILD__) && new URLSearchParams(window.location.search).has('demo')) {
    const { installDemoBackend } = await import('./dev/demoBackend');
    installDemoBackend();
  }
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void boot();
