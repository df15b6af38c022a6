import { useLogoStyles } from './logoStyles';

/** Outlook.com and Hotmail: a blue square with a white O in front of an envelope. */
export function OutlookLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="outlook">
      <rect className={s.shape} x="8" y="5" width="14.5" height="14" rx="1.5" fill="#28A8EA" />
      <path className={s.line} d="M8.5 7.5 15.25 12 22 7.5" fill="none" stroke="#0364B8" strokeWidth="1.4" />
      <rect className={s.shape} x="1.5" y="6" width="12" height="12" rx="1.5" fill="#0F6CBD" />
      <ellipse className={s.line} cx="7.5" cy="12" rx="2.8" ry="3.4" fill="none" stroke="#FFFFFF" strokeWidth="1.8" />
    </svg>
  );
}
