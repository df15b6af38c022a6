import { useLogoStyles } from './logoStyles';

/** Microsoft 365: the four squares. */
export function MicrosoftLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="microsoft">
      <rect className={s.shape} x="2" y="2" width="9.5" height="9.5" fill="#F25022" />
      <rect className={s.shape} x="12.5" y="2" width="9.5" height="9.5" fill="#7FBA00" />
      <rect className={s.shape} x="2" y="12.5" width="9.5" height="9.5" fill="#00A4EF" />
      <rect className={s.shape} x="12.5" y="12.5" width="9.5" height="9.5" fill="#FFB900" />
    </svg>
  );
}
