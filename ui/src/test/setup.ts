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

// jsdom lays nothing out: every element's offsetParent is null and the body measures 0×0,
// which Tabster (Fluent's focus manager) reads as "nothing is displayed". A dialog then finds
// no button to focus, focuses its own surface, and Tabster never makes it the active modal
// and soon hides it (aria-hidden) from assistive technology. A browser lays out whatever is
// not hidden, in a window of some size; so does this.
Object.defineProperty(HTMLElement.prototype, 'offsetParent', {
  configurable: true,
  get(this: HTMLElement) {
    for (let el: HTMLElement | null = this; el; el = el.parentElement) {
      if (el.hidden || el.style.display === 'none') return null;
    }
    return this.parentElement;
  },
});

HTMLBodyElement.prototype.getBoundingClientRect = function () {
  return new DOMRect(0, 0, 1024, 700);
};

// Unmount first (listeners unsubscribe through the mocked IPC), then remove the mock.
afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
});

// Fluent's dialogs and menus animate and move focus asynchronously, and a loaded CI machine is
// slow to render them: waiting long costs nothing when the element comes.
configure({ asyncUtilTimeout: 10000 });
