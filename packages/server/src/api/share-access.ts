import type { FastifyRequest } from 'fastify';
import { TOKEN_PREFIXES } from '../auth/tokens.js';
import type { ShareLink } from '../domain/account.js';
import type { Site } from '../domain/site.js';
import { readCookie } from '../http/cookies.js';
import { HttpError } from '../http/errors.js';
import { isShareSlug } from '../sites/share-slug.js';
import type { ApiContext } from './context.js';

/** What share checks read: the metadata (links, sites), token hashing and the unlock records. */
export type ShareContext = Pick<ApiContext, 'meta' | 'tokens' | 'state'>;

/** How long an unlocked password-protected link stays unlocked in that browser. */
export const SHARE_UNLOCK_TTL_MS = 12 * 3_600_000;

/** The unlock cookie of one link: its name carries the link id, so unlocking one link never opens another. */
export function shareCookieName(linkId: number): string {
  return `sl_share_${linkId}`;
}

/** State-store key of an unlock token, by the token's hash (never the token: secrets stay out of cache keys). */
export function shareUnlockKey(tokenHash: string): string {
  return `share:unlocked:${tokenHash}`;
}

export interface ShareTarget {
  site: Site;
  /** The shared link, or null for a public dashboard reached by its domain. */
  link: ShareLink | null;
}

const notShared = () =>
  new HttpError(404, 'No shared dashboard here: the link may have been deleted, or the site is not public');

/**
 * What `/share/<slug>` points at, without checking a password: a shared link by its slug, else a public site by its
 * domain. A private site answers exactly like an unknown one.
 */
export async function findShareTarget(ctx: ShareContext, slug: string): Promise<ShareTarget> {
  if (typeof slug !== 'string' || slug === '' || slug.length > 253) throw notShared();
  if (isShareSlug(slug)) {
    const link = await ctx.meta.shareLinks.findBySlug(slug);
    if (link !== undefined) {
      const site = await ctx.meta.sites.findById(link.siteId);
      if (site === undefined) throw notShared();
      return { site, link };
    }
  }
  const site = await ctx.meta.sites.findByDomain(slug);
  if (site === undefined || !site.isPublic) throw notShared();
  return { site, link: null };
}

/** True when the request carries a live unlock cookie for this link. */
export async function isShareUnlocked(ctx: ShareContext, request: FastifyRequest, link: ShareLink): Promise<boolean> {
  const token = readCookie(request.headers.cookie, shareCookieName(link.id));
  if (token === undefined || !token.startsWith(`${TOKEN_PREFIXES.shareUnlock}_`)) return false;
  const hash = ctx.tokens.hashToken(token);
  if (hash === undefined) return false;
  return (await ctx.state.get(shareUnlockKey(hash))) === String(link.id);
}

/**
 * Unlocks a password-protected link for one browser: a fresh random token for its cookie, remembered (by hash) for
 * SHARE_UNLOCK_TTL_MS as belonging to this link only. Call after the password was verified.
 */
export async function issueShareUnlock(
  ctx: ShareContext,
  link: ShareLink,
): Promise<{ cookieName: string; token: string }> {
  const unlock = ctx.tokens.newToken(TOKEN_PREFIXES.shareUnlock);
  await ctx.state.set(shareUnlockKey(unlock.hash), String(link.id), SHARE_UNLOCK_TTL_MS);
  return { cookieName: shareCookieName(link.id), token: unlock.token };
}

/**
 * The site a `/api/share/:slug/…` request may read, checked on every request: a shared link (unlocked by its cookie
 * when it has a password) or a public site. Routes behind it answer for this site only, whatever site_id they are
 * sent. Throws 404 for an unknown slug or a private site and 401 while a password-protected link is locked.
 */
export async function resolveShare(
  ctx: ShareContext,
  request: FastifyRequest,
  slug: string,
): Promise<{ site: Site; link: ShareLink | null }> {
  const target = await findShareTarget(ctx, slug);
  if (target.link?.passwordHash != null && !(await isShareUnlocked(ctx, request, target.link))) {
    throw new HttpError(401, 'This shared dashboard needs its password');
  }
  return target;
}
