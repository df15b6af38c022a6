// The shapes the "Connect Microsoft 365" step accepts, checked as the owner types; the
// engine checks them again before anything is built from them.

/** An Entra ID Application (client) ID: a GUID, braces tolerated. */
export function isClientId(text: string): boolean {
  return /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(text.trim());
}

/** A domain such as contoso.com, or a tenant ID. */
export function isDomain(text: string): boolean {
  const value = text.trim().replace(/\.$/, '');
  if (isClientId(value)) return true;
  const labels = value.split('.');
  return (
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label))
  );
}
