import { Link } from '@fluentui/react-components';
import { Open12Regular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import { openExternal } from '../backend';

/** A link that opens in the system browser, never inside the Mailferry window. */
export function ExternalLink({ url, children }: { url: string; children: ReactNode }) {
  return (
    <Link
      href={url}
      onClick={(event) => {
        event.preventDefault();
        openExternal(url).catch(() => {
          // Opening a browser can only fail outside the app; the address is visible anyway.
        });
      }}
    >
      {children}
      <Open12Regular aria-label="(opens in your browser)" style={{ marginLeft: 2, verticalAlign: 'middle' }} />
    </Link>
  );
}
