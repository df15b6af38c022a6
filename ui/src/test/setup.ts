import '@testing-library/jest-dom/vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// jsdom has no matchMedia; the theme hook asks it whether the OS is in dark mode.
if (typeof window.matchMedia !== 'function') {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    }),
  });
}

// Fluent's overflow and positioning code observe sizes; jsdom has no layout to observe.
if (typeof window.ResizeObserver !== 'function') {
  window.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}

// A desktop window has focus; jsdom's document reports none, and Tabster (Fluent's focus
// manager) then never activates a dialog's focus trap and leaves the dialog aria-hidden.
Document.prototype.hasFocus = () => true;

// Unmount first (listeners unsubscribe through the mocked IPC), then remove the mock.
afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
});

// Fluent's dialogs and menus animate and move focus asynchronously, and a loaded CI machine is
// slow to render them: waiting long costs nothing when the element comes.
configure({ asyncUtilTimeout: 10000 });
