import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Cookies that authenticate a browser: a request carrying one is what a cross-site forgery would ride on. */
const AUTH_COOKIE_NAME = /^(?:sl_session|sl_mfa|sl_oidc|sl_share_\d+)$/;
/**
 * Routes that other sites' pages and apps call by design (the tracker, API events). They read no cookie and change no
 * account, and a tracker on a sibling subdomain sends the dashboard's SameSite=Lax cookies along with its beacons.
 */
export const CROSS_SITE_ROUTES: ReadonlySet<string> = new Set(['/api/event', '/api/send', '/api/v1/events']);

/**
 * Cross-site request forgery protection (OWASP "verifying origin with standard headers"), for every route but the
 * ingestion ones above:
 * - a state-changing request that carries one of our cookies must prove it comes from our own pages:
 *   `Sec-Fetch-Site: same-origin`, or, from browsers without Fetch Metadata, an `Origin` equal to ours. With neither
 *   it is refused too, since we cannot tell. `same-site` is refused as well: a sibling subdomain is another party.
 * - a request without our cookies (sign-in, sign-up, reset) is refused when the browser says it comes from another
 *   site, so no page elsewhere can sign a visitor in to an account of its choosing (login CSRF) or mail on their
 *   behalf. Clients that are not browsers send neither header and pass.
 * Requests authenticated by a Bearer key carry no ambient credentials and are exempt, unless they carry our cookies
 * too (a few routes read cookies directly: the cookie must not ride along unchecked).
 */
export function registerCsrfProtection(app: FastifyInstance, options: { publicUrl: string }): void {
  const publicOrigin = new URL(options.publicUrl).origin;
  app.addHook('onRequest', (request, _reply, done) => {
    done(isForgeable(request, publicOrigin) ? new HttpError(403, 'Cross-site request refused') : undefined);
  });
}

function isForgeable(request: FastifyRequest, publicOrigin: string): boolean {
  if (!UNSAFE_METHODS.has(request.method)) return false;
  // The matched route, never the raw URL: `/api/%65vent` reaches the same handler as `/api/event`.
  const route = request.routeOptions.url;
  if (route !== undefined && CROSS_SITE_ROUTES.has(route)) return false;
  const withCookie = carriesAuthCookie(request.headers.cookie);
  if (!withCookie && request.headers.authorization !== undefined) return false;
  const origin = originOf(request, publicOrigin);
  return withCookie ? origin !== 'same' : origin === 'cross';
}

/** What the browser says about where a request comes from; `unknown` when it says nothing (not a browser). */
function originOf(request: FastifyRequest, publicOrigin: string): 'same' | 'cross' | 'unknown' {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined) return fetchSite === 'same-origin' ? 'same' : 'cross';
  const origin = request.headers.origin;
  if (origin === undefined) return 'unknown';
  return origin === publicOrigin || origin === `${request.protocol}://${request.host}` ? 'same' : 'cross';
}

/** Parsed by name, as cookies.ts reads them, so no spelling of the header slips past the check. */
function carriesAuthCookie(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (AUTH_COOKIE_NAME.test((index === -1 ? part : part.slice(0, index)).trim())) return true;
  }
  return false;
}
