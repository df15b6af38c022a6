// Turning what the owner picked (a provider tile or a typed-in server) into the engine's
// ServerSpec, and back into words.
import type { Preset, ServerSpec } from './backend';

export type Security = 'tls' | 'starttls' | 'none';

export interface ServerForm {
  host: string;
  port: string;
  security: Security;
}

export const SECURITY_LABELS: Record<Security, string> = {
  tls: 'SSL/TLS',
  starttls: 'STARTTLS',
  none: 'None (not encrypted)',
};

export const DEFAULT_PORTS: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };

/** The URL forms the engine parses: imaps:// for TLS, imap:// for STARTTLS, ?tls=none for none. */
export function serverUrl(host: string, port: number, security: Security): string {
  const h = host.trim();
  // IPv6 literals need brackets inside a URL.
  const hostPart = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  switch (security) {
    case 'tls':
      return `imaps://${hostPart}:${port}`;
    case 'starttls':
      return `imap://${hostPart}:${port}`;
    case 'none':
      return `imap://${hostPart}:${port}?tls=none`;
  }
}

export function presetSpec(preset: Preset): ServerSpec | null {
  if (!preset.host) return null;
  return { preset: preset.id, url: serverUrl(preset.host, preset.port, preset.security) };
}

export interface ServerFormErrors {
  host?: string;
  port?: string;
}

const HOST_PATTERN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export function validateServer(form: ServerForm): ServerFormErrors {
  const errors: ServerFormErrors = {};
  const host = form.host.trim();
  if (!host) {
    errors.host = 'Enter the IMAP server name, for example imap.example.com.';
  } else if (/^[a-z]+:\/\//i.test(host)) {
    errors.host = 'Enter only the server name, without imap:// or https://.';
  } else if (/[\s/@]/.test(host)) {
    errors.host = 'A server name has no spaces, slashes or @. For example imap.example.com.';
  } else if (!IPV4.test(host) && !HOST_PATTERN.test(host) && !host.includes(':')) {
    errors.host = 'This does not look like a server name. For example imap.example.com.';
  }
  const port = form.port.trim();
  const n = Number(port);
  if (!port) {
    errors.port = 'Enter the port (usually 993 for SSL/TLS or 143 for STARTTLS).';
  } else if (!/^\d+$/.test(port) || n < 1 || n > 65535) {
    errors.port = 'The port is a whole number from 1 to 65535.';
  }
  return errors;
}

export function formSpec(form: ServerForm): ServerSpec {
  return { preset: null, url: serverUrl(form.host, Number(form.port), form.security) };
}

/** "imap.example.com" out of a ServerSpec url, for lists. */
export function hostOf(spec: ServerSpec): string {
  const match = /^imaps?:\/\/(\[[^\]]+\]|[^/:?]+)/i.exec(spec.url);
  return match ? match[1] : spec.url;
}

/** "imap.gmail.com:993, SSL/TLS": where a server is and how the connection is protected. */
export function serverAddress(spec: ServerSpec): string {
  const match = /^(imaps?):\/\/(\[[^\]]+\]|[^/:?]+)(?::(\d+))?/i.exec(spec.url);
  if (!match) return spec.url;
  const tls = match[1].toLowerCase() === 'imaps';
  const security: Security = tls ? 'tls' : /[?&]tls=none\b/i.test(spec.url) ? 'none' : 'starttls';
  const port = match[3] ?? String(DEFAULT_PORTS[security]);
  return `${match[2]}:${port}, ${SECURITY_LABELS[security]}`;
}

export function describeServer(spec: ServerSpec, presets: Preset[]): string {
  const preset = spec.preset ? presets.find((p) => p.id === spec.preset) : undefined;
  if (preset && preset.id !== 'other') return preset.name;
  return hostOf(spec);
}

/**
 * The tiles of "Select your data service", in the admin center's order. Outlook and Hotmail are
 * one preset in the engine but two tiles for the owner, who knows them by name.
 */
export interface SourceTile {
  key: string;
  label: string;
  presetId: string;
  /** The mail domain of the provider's own addresses, used to pre-fill source user names. */
  domain: string | null;
}

export const SOURCE_TILES: SourceTile[] = [
  { key: 'gmail', label: 'Gmail', presetId: 'gmail', domain: 'gmail.com' },
  { key: 'outlook', label: 'Outlook', presetId: 'outlook', domain: 'outlook.com' },
  { key: 'hotmail', label: 'Hotmail', presetId: 'outlook', domain: 'hotmail.com' },
  { key: 'yahoo', label: 'Yahoo', presetId: 'yahoo', domain: 'yahoo.com' },
  { key: 'icloud', label: 'iCloud', presetId: 'icloud', domain: 'icloud.com' },
  { key: 'aol', label: 'AOL', presetId: 'aol', domain: 'aol.com' },
  { key: 'other', label: 'Other email sources', presetId: 'other', domain: null },
];

export function tileByKey(key: string | null): SourceTile | undefined {
  return SOURCE_TILES.find((t) => t.key === key);
}

/**
 * The source sign-in suggested for a destination mailbox: with a provider's own domain the
 * local part moves over (anna@contoso.com → anna@gmail.com); otherwise (own domain, or a
 * typed-in server) the address usually stays the same.
 */
export function suggestedUserName(destination: string, domain: string | null): string {
  const address = destination.trim();
  const at = address.lastIndexOf('@');
  if (at <= 0) return '';
  return domain ? `${address.slice(0, at)}@${domain}` : address;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function isEmail(text: string): boolean {
  return EMAIL.test(text.trim());
}
