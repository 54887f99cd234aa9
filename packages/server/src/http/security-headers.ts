import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The dashboard's Content Security Policy: only our own scripts, styles and connections; no inline script or
 * style, no eval (so an injected string can at worst be text), no plugins, no <base> rewriting, forms only to us.
 */
const DASHBOARD_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
];

/** Dashboard pages may not be framed by anyone (clickjacking). */
export const DASHBOARD_CSP = [...DASHBOARD_POLICY, "frame-ancestors 'none'"].join('; ');
/** Shared and public dashboards (`/share/*`) exist to be embedded, so any site may frame them; the rest is the same. */
export const SHARE_CSP = [...DASHBOARD_POLICY, 'frame-ancestors *'].join('; ');
/** Anything else (JSON, CSV, scripts) is never a document: it may load nothing and be framed by nobody. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** One year, subdomains included; not preloaded (that is the operator's decision for their domain). */
export const HSTS = 'max-age=31536000; includeSubDomains';

export interface SecurityHeaderOptions {
  /** Served over HTTPS (BASE_URL is https://): browsers are told to use nothing else (HSTS). */
  secure: boolean;
}

/**
 * Security headers on every response: nosniff, a referrer policy that never leaks paths to other sites, HSTS under
 * HTTPS, and a CSP that depends on what is sent. A route that sets its own (stricter) CSP keeps it.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  // Callback style: this runs on every response, ingestion included, where an async hook's promise costs.
  app.addHook('onSend', (request, reply, payload, done) => {
    applySecurityHeaders(request, reply, options);
    done(null, payload);
  });
}

export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply, options: SecurityHeaderOptions) {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'strict-origin-when-cross-origin');
  if (options.secure) reply.header('strict-transport-security', HSTS);
  const embeddable = isSharePage(request.url);
  if (!reply.hasHeader('content-security-policy')) {
    const html = /^\s*text\/html\b/i.test(String(reply.getHeader('content-type') ?? ''));
    reply.header('content-security-policy', html ? (embeddable ? SHARE_CSP : DASHBOARD_CSP) : API_CSP);
  }
  // X-Frame-Options is the older browsers' frame-ancestors; it has no "anyone" value, so shared pages go without.
  if (embeddable) reply.removeHeader('x-frame-options');
  else reply.header('x-frame-options', 'DENY');
}

/** `/share/<slug>` and below: the pages a public or shared dashboard is embedded with. */
function isSharePage(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return path === '/share' || path.startsWith('/share/');
}
