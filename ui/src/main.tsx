import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';

async function boot() {
  // A browser preview for screenshots, never part of a production build (Vite drops this branch).
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('demo')) {
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
