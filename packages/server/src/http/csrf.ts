import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Cookies that authenticate a browser: a request carrying one is what a cross-site forgery would ride on. */
const AUTH_COOKIE = /(?:^|;\s*)(?:sl_session|sl_mfa|sl_share_\d+)=/;

/**
 * Cross-site request forgery protection for every cookie-authenticated change (OWASP "verifying origin with standard
 * headers"). A state-changing request that carries one of our cookies must prove it comes from our own pages:
 * `Sec-Fetch-Site: same-origin`, or, from browsers without Fetch Metadata, an `Origin` equal to ours. With neither it is
 * refused too, since we cannot tell. Requests authenticated by a Bearer key carry no ambient credentials and are
 * exempt, as are requests without our cookies (sign-in forms: SameSite=Lax cookies and per-IP limits cover those).
 */
export function registerCsrfProtection(app: FastifyInstance, options: { publicUrl: string }): void {
  const publicOrigin = new URL(options.publicUrl).origin;
  app.addHook('onRequest', (request, _reply, done) => {
    done(isForgeable(request, publicOrigin) ? new HttpError(403, 'Cross-site request refused') : undefined);
  });
}

function isForgeable(request: FastifyRequest, publicOrigin: string): boolean {
  if (!UNSAFE_METHODS.has(request.method)) return false;
  const cookie = request.headers.cookie;
  if (cookie === undefined || !AUTH_COOKIE.test(cookie)) return false;
  if (request.headers.authorization !== undefined) return false;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined) return fetchSite !== 'same-origin';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return true;
  return origin !== publicOrigin && origin !== `${request.protocol}://${request.host}`;
}
