import { useLogoStyles } from './logoStyles';

/** iCloud: a white cloud on blue. */
export function ICloudLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="icloud">
      <rect className={s.shape} x="1.5" y="1.5" width="21" height="21" rx="4" fill="#3693F3" />
      <path
        className={s.ink}
        d="M7.5 17h9a3 3 0 0 0 .3-6A4.5 4.5 0 0 0 8.2 10 3.5 3.5 0 0 0 7.5 17z"
        fill="#FFFFFF"
      />
    </svg>
  );
}
