import { useLogoStyles } from './logoStyles';

/** Yahoo: a white Y! on purple. */
export function YahooLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="yahoo">
      <rect className={s.shape} x="1.5" y="1.5" width="21" height="21" rx="4" fill="#6001D2" />
      <path
        className={s.line}
        d="M5 7l4.5 6M14 7l-4.5 6m0 0v5M18 7v7"
        fill="none"
        stroke="#FFFFFF"
        strokeWidth="2.4"
        strokeLinecap="round"
      />
      <circle className={s.ink} cx="18" cy="17.6" r="1.4" fill="#FFFFFF" />
    </svg>
  );
}
