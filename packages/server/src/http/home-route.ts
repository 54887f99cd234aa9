import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { registerDashboardRoutes } from './dashboard-routes.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
code,pre{font:14px ui-monospace,monospace;background:#f3f4f6;border-radius:6px}pre{padding:.75rem;overflow-x:auto}
.note{border-left:4px solid #d29922;padding:.25rem 0 .25rem .75rem}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}code,pre{background:#161b22}}`;

/** The style is allowed by its hash, so the page runs under a CSP with no 'unsafe-inline'. */
const CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

function page(publicUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sightline</title><style>${STYLE}</style></head><body>
<h1>Sightline is running</h1>
<p class="note">The dashboard has not been built, so only this page is shown. Run <code>npm run build</code> in the
Sightline folder (it runs on <code>npm install</code> too), then restart the server.</p>
<p>Events are being accepted at <code>${publicUrl}/api/event</code>. To start counting a site:</p>
<pre>npx sightline sites add example.com --timezone Europe/Berlin</pre>
<p>then add this to every page of it:</p>
<pre>&lt;script defer src="${publicUrl}/js/s.js" data-domain="example.com"&gt;&lt;/script&gt;</pre>
<p>Operators: <a href="/health">health</a> · <a href="/metrics">metrics</a> · <a href="/api-docs">API documentation</a></p>
</body></html>`;
}

/**
 * The front door of the instance: the dashboard (every page of the single-page app) when it has been built, or
 * else a landing page with the next steps and how to build the dashboard.
 */
export function registerHomeRoute(app: FastifyInstance, options: { publicUrl: string; dashboardDir?: string }) {
  const served = registerDashboardRoutes(
    app,
    options.dashboardDir === undefined ? {} : { distDir: options.dashboardDir },
  );
  if (served) return;
  app.log.warn('the dashboard is not built (packages/dashboard/dist is missing): run `npm run build`');
  const escapedUrl = options.publicUrl.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = page(escapedUrl);
  app.get(
    '/',
    { schema: { summary: 'Landing page', tags: ['operations'], response: { 200: Type.String() } } },
    async (_request, reply) => reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(body),
  );
}
