import { createDOMRenderer, RendererProvider } from '@fluentui/react-components';
import { render, type RenderResult } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { App } from '../app/App';

// jsdom matches every CSS rule against every element each time an accessible name is computed;
// with Fluent's thousand rules that makes role queries crawl. Layout does not exist in jsdom, so
// the tests drop the CSS (nothing else about the components changes).
const renderer = createDOMRenderer(document, { unstable_filterCSSRule: () => false });

type Rendered = RenderResult & { user: ReturnType<typeof userEvent.setup> };

function setup(ui: ReactElement): Rendered {
  const user = userEvent.setup({ delay: null });
  return { user, ...render(<RendererProvider renderer={renderer}>{ui}</RendererProvider>) };
}

export function renderApp(): Rendered {
  return setup(<App />);
}

/** One component on its own, in the same renderer as the app. */
export function renderUi(ui: ReactElement): Rendered {
  return setup(ui);
}
