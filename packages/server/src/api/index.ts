import type { FastifyInstance } from 'fastify';
import { registerAccountRoutes } from './account-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import type { ApiContext } from './context.js';
import { registerKeyRoutes } from './key-routes.js';
import { registerOidcRoutes } from './oidc-routes.js';
import { registerSiteRoutes } from './site-routes.js';
import { registerStatsRoutes } from './stats-routes.js';

export type { ApiContext } from './context.js';

/** Every account, site, key and stats route. Each file owns one resource; all of them deny by default. */
export async function registerApiRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  await registerAuthRoutes(app, ctx);
  await registerOidcRoutes(app, ctx);
  await registerAccountRoutes(app, ctx);
  await registerSiteRoutes(app, ctx);
  await registerKeyRoutes(app, ctx);
  await registerStatsRoutes(app, ctx);
}
