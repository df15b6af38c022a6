// What a refused certificate says about itself, in the form the owner reads and compares.
import type { CertificateFacts } from '../../backend';

/** "localhost (Mailferry integration tests)" from "CN=localhost, O=Mailferry integration tests". */
export function readableName(distinguished: string | null): string {
  if (!distinguished) return 'not named';
  const parts = new Map<string, string>();
  for (const part of distinguished.split(/,\s*(?=[A-Za-z.0-9]+=)/)) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toUpperCase(), part.slice(at + 1).trim());
  }
  const name = parts.get('CN');
  const organisation = parts.get('O');
  if (name && organisation && organisation !== name) return `${name} (${organisation})`;
  return name ?? organisation ?? distinguished;
}

/** The fingerprint as `openssl x509 -fingerprint -sha256` prints it: AB:CD:… */
export function groupedFingerprint(hex: string): string {
  const digits = hex.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return (digits.match(/.{1,2}/g) ?? []).join(':');
}

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function dayOf(rfc3339: string | null): string | null {
  if (!rfc3339) return null;
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? null : day.format(date);
}

/** "2 Jan 2025 to 4 Mar 2027", or what is known of it. */
export function validityText(certificate: CertificateFacts): string {
  const from = dayOf(certificate.not_before);
  const to = dayOf(certificate.not_after);
  if (from && to) return `${from} to ${to}`;
  if (to) return `until ${to}`;
  if (from) return `from ${from}`;
  return 'not stated';
}
