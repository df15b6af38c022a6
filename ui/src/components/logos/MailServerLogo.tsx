import { useLogoStyles } from './logoStyles';

/**
 * Any other IMAP server: a server with an envelope below it, in the text's own colour
 * (currentColor), so it follows the light, dark and high-contrast themes by itself.
 */
export function MailServerLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="mail-server">
      <g fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round">
        <rect x="2.5" y="2" width="14" height="5.5" rx="1.2" />
        <rect x="2.5" y="9" width="14" height="5.5" rx="1.2" />
        <path d="M5.5 4.75h3M5.5 11.75h3M6.5 14.5v4.75H11" />
        <rect x="11" y="16" width="10.5" height="6.5" rx="1" />
        <path d="M11.5 16.6l4.75 3.4 4.75-3.4" />
      </g>
    </svg>
  );
}
