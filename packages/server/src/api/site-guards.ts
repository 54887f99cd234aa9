import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { SiteAccess, UserPrincipal } from '../auth/access.js';
import type { ApiKeyScope, SiteRole } from '../domain/account.js';
import type { Site } from '../domain/site.js';
import { HttpError } from '../http/errors.js';
import type { ApiContext } from './context.js';

/**
 * Access checks for the site routes, run as `onRequest` hooks: before the body is read, let alone validated, so a
 * caller with no right to a site learns nothing from it (404 whatever the body), never gets a large body parsed, and
 * no route can forget its check. The handler then reads what the hook established.
 */
export interface SiteGuards {
  /** The `:siteId` site, when the caller holds at least `minimum` on it (and the API key holds `scope`). */
  site(minimum: SiteRole, scope: ApiKeyScope): onRequestAsyncHookHandler;
  /** Any signed-in caller (session, or API key with `scope`). */
  user(scope: ApiKeyScope): onRequestAsyncHookHandler;
  /** A signed-in browser session; API keys are refused. */
  session(): onRequestAsyncHookHandler;
  siteOf(request: FastifyRequest): SiteAccess;
  userOf(request: FastifyRequest): UserPrincipal;
}

export function createSiteGuards(ctx: ApiContext): SiteGuards {
  const sites = new WeakMap<FastifyRequest, SiteAccess>();
  const users = new WeakMap<FastifyRequest, UserPrincipal>();

  const missing = () => new HttpError(500, 'route is missing its access check');

  return {
    site(minimum, scope) {
      return async (request) => {
        const siteId = (request.params as { siteId?: unknown } | undefined)?.siteId;
        const access = await ctx.access.requireSite(request, siteId, minimum, scope);
        sites.set(request, access);
        users.set(request, access.principal);
      };
    },
    user(scope) {
      return async (request) => {
        users.set(request, await ctx.access.requireUser(request, scope));
      };
    },
    session() {
      return async (request) => {
        users.set(request, await ctx.access.requireSession(request));
      };
    },
    siteOf(request) {
      const access = sites.get(request);
      if (access === undefined) throw missing();
      return access;
    },
    userOf(request) {
      const principal = users.get(request);
      if (principal === undefined) throw missing();
      return principal;
    },
  };
}

/** The SiteSummary of the API contract. */
export function siteSummary(site: Site, role: SiteRole) {
  return {
    id: site.id,
    domain: site.domain,
    name: site.name,
    timezone: site.timezone,
    isPublic: site.isPublic,
    role,
    createdAt: site.createdAt.toISOString(),
  };
}

/** A numeric path id (`:userId`, `:id`), or undefined when the segment cannot be one (then the thing is not found). */
export function pathId(value: unknown): number | undefined {
  return typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) && Number(value) <= 2_147_483_647
    ? Number(value)
    : undefined;
}
