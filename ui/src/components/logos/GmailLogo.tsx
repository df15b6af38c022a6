import { useLogoStyles } from './logoStyles';

/** Gmail: the envelope's M, blue on the left, green on the right, red across, yellow and dark red at the top. */
export function GmailLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="gmail">
      <path className={s.line} d="M4 8 12 14l8-6" fill="none" stroke="#EA4335" strokeWidth="3.2" strokeLinejoin="round" />
      <path className={s.line} d="M4 8 6.5 9.9" fill="none" stroke="#C5221F" strokeWidth="3.2" strokeLinecap="round" />
      <path className={s.line} d="M20 8 17.5 9.9" fill="none" stroke="#FBBC04" strokeWidth="3.2" strokeLinecap="round" />
      <path className={s.shape} d="M2.5 8.5a1.5 1.5 0 0 1 3 0V19h-1.5A1.5 1.5 0 0 1 2.5 17.5z" fill="#4285F4" />
      <path className={s.shape} d="M18.5 8.5a1.5 1.5 0 0 1 3 0v9a1.5 1.5 0 0 1-1.5 1.5h-1.5z" fill="#34A853" />
    </svg>
  );
}
