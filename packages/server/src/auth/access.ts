import type { FastifyRequest } from 'fastify';
import {
  type ApiKey,
  type ApiKeyScope,
  type LoginSession,
  roleAtLeast,
  type SiteRole,
  type User,
} from '../domain/account.js';
import type { Site } from '../domain/site.js';
import { readCookie } from '../http/cookies.js';
import { HttpError } from '../http/errors.js';
import type { ApiKeyRepository, MemberRepository, SiteRepository } from '../storage/meta/meta-store.js';
import { SESSION_COOKIE, type SessionService } from './sessions.js';
import { TOKEN_PREFIXES, type Tokens } from './tokens.js';

/** Who is calling: a browser session, or a personal API key acting as its user within its scopes. */
export type UserPrincipal =
  | { kind: 'session'; user: User; session: LoginSession }
  | { kind: 'api_key'; user: User; apiKey: ApiKey };

export interface SiteAccess {
  principal: UserPrincipal;
  site: Site;
  role: SiteRole;
}

export interface AccessControl {
  /** The browser session's user, or undefined (API keys are not looked at). */
  sessionUser(request: FastifyRequest): Promise<Extract<UserPrincipal, { kind: 'session' }> | undefined>;
  /** 401 unless signed in through a browser session: account and auth routes never accept API keys. */
  requireSession(request: FastifyRequest): Promise<Extract<UserPrincipal, { kind: 'session' }>>;
  /** 401 unless signed in (session) or presenting a live API key that holds `scope` (403 when it lacks it). */
  requireUser(request: FastifyRequest, scope: ApiKeyScope): Promise<UserPrincipal>;
  /**
   * The site named by a route parameter or query field (numeric id, or domain when `byDomain`), if the caller holds at
   * least `minimum` on it. A site that does not exist and a site the caller is not a member of both answer 404 with the
   * same message, so ids of other accounts' sites cannot be probed. A member whose role is too weak gets 403.
   */
  requireSite(
    request: FastifyRequest,
    siteRef: unknown,
    minimum: SiteRole,
    scope: ApiKeyScope,
    options?: { byDomain?: boolean },
  ): Promise<SiteAccess>;
}

export interface AccessControlOptions {
  sessions: SessionService;
  apiKeys: Pick<ApiKeyRepository, 'findByHash' | 'touch'>;
  users: { findById(id: number): Promise<User | undefined> };
  sites: Pick<SiteRepository, 'findById' | 'findByDomain'>;
  members: Pick<MemberRepository, 'find'>;
  tokens: Tokens;
  now: () => number;
}

/** API keys' last-used time is written at most this often per key. */
const KEY_TOUCH_INTERVAL_MS = 60_000;
const SITE_ID = /^[1-9]\d{0,9}$/;

const unauthorized = () => new HttpError(401, 'Sign in to continue');

/**
 * The one place requests are matched to accounts and site roles. Routes call it first thing; nothing is allowed by
 * default. Results are cached on the request, so a route and its helpers can ask twice without a second lookup.
 */
export function createAccessControl(options: AccessControlOptions): AccessControl {
  const { sessions, apiKeys, users, sites, members, tokens, now } = options;
  const resolved = new WeakMap<FastifyRequest, Promise<UserPrincipal | undefined>>();
  const keyTouchedAt = new Map<number, number>();

  async function fromSession(request: FastifyRequest) {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    const found = await sessions.authenticate(token);
    return found === undefined ? undefined : { kind: 'session' as const, user: found.user, session: found.session };
  }

  async function fromApiKey(token: string): Promise<UserPrincipal> {
    const hash = token.startsWith(`${TOKEN_PREFIXES.apiKey}_`) ? tokens.hashToken(token) : undefined;
    const key = hash === undefined ? undefined : await apiKeys.findByHash(hash);
    const at = now();
    if (key === undefined || (key.expiresAt !== null && key.expiresAt.getTime() <= at)) {
      throw new HttpError(401, 'The API key is not valid: it is unknown, revoked or expired');
    }
    const user = await users.findById(key.userId);
    if (user === undefined) throw new HttpError(401, 'The API key is not valid: it is unknown, revoked or expired');
    if (at - (keyTouchedAt.get(key.id) ?? 0) >= KEY_TOUCH_INTERVAL_MS) {
      keyTouchedAt.set(key.id, at);
      if (keyTouchedAt.size > 10_000) keyTouchedAt.clear();
      await apiKeys.touch(key.id, new Date(at));
    }
    return { kind: 'api_key', user, apiKey: key };
  }

  function bearerOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) throw new HttpError(401, 'The Authorization header must be "Bearer <API key>"');
    return match[1];
  }

  function principalOf(request: FastifyRequest): Promise<UserPrincipal | undefined> {
    let found = resolved.get(request);
    if (found === undefined) {
      const bearer = bearerOf(request);
      found = bearer === undefined ? fromSession(request) : fromApiKey(bearer);
      resolved.set(request, found);
    }
    return found;
  }

  async function requireUser(request: FastifyRequest, scope: ApiKeyScope): Promise<UserPrincipal> {
    const principal = await principalOf(request);
    if (principal === undefined) throw unauthorized();
    if (principal.kind === 'api_key' && !principal.apiKey.scopes.includes(scope)) {
      throw new HttpError(403, `This API key does not have the ${scope} scope`);
    }
    return principal;
  }

  return {
    async sessionUser(request) {
      if (request.headers.authorization !== undefined) return undefined;
      const principal = await principalOf(request);
      return principal?.kind === 'session' ? principal : undefined;
    },

    async requireSession(request) {
      if (request.headers.authorization !== undefined) {
        throw new HttpError(401, 'Account settings need a signed-in browser session; API keys cannot change them');
      }
      const principal = await principalOf(request);
      if (principal?.kind !== 'session') throw unauthorized();
      return principal;
    },

    requireUser,

    async requireSite(request, siteRef, minimum, scope, siteOptions = {}) {
      const principal = await requireUser(request, scope);
      const ref = typeof siteRef === 'number' ? String(siteRef) : typeof siteRef === 'string' ? siteRef.trim() : '';
      const notFound = new HttpError(404, `No site ${JSON.stringify(ref.slice(0, 253))} among your sites`);
      let site: Site | undefined;
      if (SITE_ID.test(ref)) site = await sites.findById(Number(ref));
      else if (siteOptions.byDomain && ref !== '') site = await sites.findByDomain(ref);
      if (site === undefined) throw notFound;
      const membership = await members.find(site.id, principal.user.id);
      if (membership === undefined) throw notFound;
      if (!roleAtLeast(membership.role, minimum)) {
        throw new HttpError(403, `This needs the ${minimum} role on ${site.domain}; you are ${membership.role}`);
      }
      return { principal, site, role: membership.role };
    },
  };
}
