/**
 * Site domains as Sightline stores and compares them: `https://WWW.Example.com:8080/path` and `example.com.`
 * are the same site, `example.com`. Pure; never throws.
 */

/** RFC 1035: a full name is at most 253 characters (255 octets on the wire, less length bytes). */
export const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** Anything longer cannot normalise to 253 characters, even after stripping a scheme, port and path. */
const MAX_INPUT_LENGTH = 2048;

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//;
/** Letters, digits, hyphens (LDH); IDNs arrive here already converted to punycode (`xn--…`). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const ALL_DIGITS = /^[0-9]+$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

/**
 * Normalises what a person types as a site's domain: lowercase, no scheme, port, path, query, trailing
 * dot or leading `www.` (repeated `www.` too, but never down to a bare TLD: `www.com` stays). Internationalised names
 * become punycode, the form browsers send. Returns `undefined` for anything that is not a plausible hostname: it
 * must carry no credentials and needs at least two labels (or is `localhost`, or an IPv4 address), each 1–63 letters, digits or inner hyphens.
 *
 * @example normalizeDomain('https://WWW.München.de:8443/a?b') // 'xn--mnchen-3ya.de'
 */
export function normalizeDomain(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return undefined;
  let text = input.trim().toLowerCase();
  if (text === '') return undefined;
  text = text.replace(SCHEME, '');
  // A leading `//` (protocol-relative URL) would otherwise read as an empty host.
  text = text.replace(/^\/+/, '');
  if (text === '') return undefined;

  let hostname: string;
  try {
    // The WHATWG parser does what browsers do with a host: IDNA/punycode, percent-decoding, IPv4 forms.
    const url = new URL(`http://${text}`);
    // Credentials mean this was not a site address (`mailto:me@example.com` would otherwise pass as example.com).
    if (url.username !== '' || url.password !== '') return undefined;
    hostname = url.hostname;
  } catch {
    return undefined;
  }

  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  while (hostname.startsWith('www.') && hostname.indexOf('.', 4) !== -1) hostname = hostname.slice(4);
  return isPlausibleHostname(hostname) ? hostname : undefined;
}

function isPlausibleHostname(hostname: string): boolean {
  if (hostname.length === 0 || hostname.length > MAX_DOMAIN_LENGTH) return false;
  if (hostname === 'localhost') return true;
  if (IPV4.test(hostname)) return true;
  const labels = hostname.split('.');
  if (labels.length < 2) return false;
  // A numeric last label means an IP-like string that is not a valid IPv4 address.
  if (ALL_DIGITS.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((label) => label.length <= MAX_LABEL_LENGTH && LABEL.test(label));
}
