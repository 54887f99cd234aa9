/**
 * The few cookies Sightline sets (session, MFA step, share unlock) — parsed and written here so every one gets the same
 * flags: HttpOnly always, SameSite=Lax, Path=/, Secure when the instance is served over HTTPS.
 */

/** Cookie values we set are base62/base64url tokens; anything else in a header is ignored, never decoded. */
const COOKIE_VALUE = /^[A-Za-z0-9_\-.~]{1,512}$/;

/**
 * Reads one cookie from a Cookie header without decoding (our values never need it).
 *
 * A name sent twice reads as absent. We set each cookie once, host-only with one path, so a second one was planted by
 * a sibling subdomain (cookie tossing, with a longer Path so browsers send it first) to fixate a session of the
 * planter's choosing; honouring neither costs the victim a sign-in, honouring the first would hand them that session.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 16_384) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = part.slice(index + 1).trim();
  }
  return found !== undefined && COOKIE_VALUE.test(found) ? found : undefined;
}

export interface CookieOptions {
  /** Seconds; omitted for a browser-session cookie. 0 deletes the cookie. */
  maxAgeSeconds?: number;
  secure: boolean;
  path?: string;
  /**
   * `none` lets the cookie ride along inside a frame on another site (an embedded shared dashboard). Browsers accept
   * it only with Secure, so without HTTPS it stays Lax. Default `lax`.
   */
  sameSite?: 'lax' | 'none';
}

/** A Set-Cookie value. Throws on a value outside the token alphabet: that would be a programming error. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (value !== '' && !COOKIE_VALUE.test(value)) throw new TypeError('cookie values must be tokens');
  const sameSite = options.sameSite === 'none' && options.secure ? 'None' : 'Lax';
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`, 'HttpOnly', `SameSite=${sameSite}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** A Set-Cookie value that removes the cookie. */
export function clearCookie(name: string, options: Pick<CookieOptions, 'secure' | 'path'>): string {
  return serializeCookie(name, '', { ...options, maxAgeSeconds: 0 });
}
