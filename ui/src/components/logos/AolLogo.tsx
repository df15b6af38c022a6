import { useLogoStyles } from './logoStyles';

/** AOL: "Aol." in white on a dark square. */
export function AolLogo() {
  const s = useLogoStyles();
  return (
    <svg className={s.mark} viewBox="0 0 24 24" aria-hidden="true" focusable="false" data-logo="aol">
      {/* The grey edge keeps the dark square apart from a dark theme's tile. */}
      <rect className={s.shape} x="1.5" y="1.5" width="21" height="21" rx="4" fill="#1E1E1E" stroke="#707070" strokeWidth="1" />
      {/* An A, an o, an l and the full stop, drawn so the mark needs no font. */}
      <path
        className={s.line}
        d="M3.8 15.5 6 8.5l2.2 7M4.6 13.2h2.8M15 8.5v7"
        fill="none"
        stroke="#FFFFFF"
        strokeWidth="1.5"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
      <circle className={s.line} cx="11.3" cy="13" r="2.2" fill="none" stroke="#FFFFFF" strokeWidth="1.5" />
      <circle className={s.ink} cx="18.3" cy="14.8" r="1.1" fill="#FFFFFF" />
    </svg>
  );
}
