import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey } from '../auth/tokens.js';
import type { ShareLink } from '../domain/account.js';
import type { Site } from '../domain/site.js';
import { HttpError } from '../http/errors.js';
import { newShareSlug } from '../sites/share-slug.js';
import { createMetaStore } from '../storage/meta/index.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import { createMemoryStateStore } from '../storage/state/index.js';
import { issueShareUnlock, resolveShare, SHARE_UNLOCK_TTL_MS, type ShareContext } from './share-access.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sightline-share-access-'));
let meta: MetaStore;
let clock = Date.UTC(2025, 0, 1);
let ctx: ShareContext;
let site: Site;
let open: ShareLink;
let locked: ShareLink;
let otherLocked: ShareLink;

/** A request as resolveShare sees it: only its Cookie header matters. */
const requestWith = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as FastifyRequest;

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

beforeAll(async () => {
  meta = await createMetaStore({ dataDir });
  await meta.migrate();
  ctx = {
    meta,
    tokens: createTokens({ key: deriveTokenKey('share-access-test-secret-0123456789abcdef') }),
    state: createMemoryStateStore({ now: () => clock }),
  };
  site = await meta.sites.create({ domain: 'shared.example' });
  open = await meta.shareLinks.create({ siteId: site.id, slug: newShareSlug(), name: 'Open', passwordHash: null });
  // resolveShare only asks whether a hash is set; the password itself is checked by the unlock route.
  const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
  locked = await meta.shareLinks.create({ siteId: site.id, slug: newShareSlug(), name: 'Locked', passwordHash: hash });
  otherLocked = await meta.shareLinks.create({
    siteId: site.id,
    slug: newShareSlug(),
    name: 'Other',
    passwordHash: hash,
  });
});

afterAll(async () => {
  await meta?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('resolveShare', () => {
  it('opens a link without a password for anyone', async () => {
    const target = await resolveShare(ctx, requestWith(), open.slug);
    expect(target.site.id).toBe(site.id);
    expect(target.link?.id).toBe(open.id);
  });

  it('keeps a password link locked until its own unlock cookie is presented, for 12 hours', async () => {
    const lockedError = await failure(resolveShare(ctx, requestWith(), locked.slug));
    expect(lockedError.statusCode).toBe(401);
    expect(lockedError.message).toBe('This shared dashboard needs its password');

    const unlock = await issueShareUnlock(ctx, locked);
    expect(unlock.cookieName).toBe(`sl_share_${locked.id}`);
    const cookie = `sl_session=whatever; ${unlock.cookieName}=${unlock.token}`;
    expect((await resolveShare(ctx, requestWith(cookie), locked.slug)).link?.id).toBe(locked.id);

    // The same token under another link's cookie name opens nothing: the token belongs to one link.
    const borrowed = `sl_share_${otherLocked.id}=${unlock.token}`;
    expect((await failure(resolveShare(ctx, requestWith(borrowed), otherLocked.slug))).statusCode).toBe(401);
    // Forged or malformed values are just locked.
    for (const value of ['sl_share_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'x', `${unlock.token}x`]) {
      const forged = `${unlock.cookieName}=${value}`;
      expect((await failure(resolveShare(ctx, requestWith(forged), locked.slug))).statusCode).toBe(401);
    }

    clock += SHARE_UNLOCK_TTL_MS + 1000;
    expect((await failure(resolveShare(ctx, requestWith(cookie), locked.slug))).statusCode).toBe(401);
  });

  it('opens a public site by its domain, and answers 404 for a private one exactly like an unknown slug', async () => {
    const unknown = await failure(resolveShare(ctx, requestWith(), newShareSlug()));
    expect(unknown.statusCode).toBe(404);
    const privateSite = await failure(resolveShare(ctx, requestWith(), 'shared.example'));
    expect(privateSite.statusCode).toBe(404);
    expect(privateSite.message).toBe(unknown.message);

    await meta.sites.update(site.id, { isPublic: true });
    const target = await resolveShare(ctx, requestWith(), 'WWW.Shared.Example');
    expect(target).toMatchObject({ site: { id: site.id }, link: null });
    await meta.sites.update(site.id, { isPublic: false });
    expect((await failure(resolveShare(ctx, requestWith(), 'shared.example'))).statusCode).toBe(404);
  });

  it('stops answering for a deleted link', async () => {
    const doomed = await meta.shareLinks.create({
      siteId: site.id,
      slug: newShareSlug(),
      name: 'Doomed',
      passwordHash: null,
    });
    await resolveShare(ctx, requestWith(), doomed.slug);
    await meta.shareLinks.delete(doomed.id);
    expect((await failure(resolveShare(ctx, requestWith(), doomed.slug))).statusCode).toBe(404);
  });

  it('refuses slugs that cannot name anything without a lookup failing', async () => {
    for (const slug of ['', 'x'.repeat(300), '../../etc/passwd', 'a b']) {
      expect((await failure(resolveShare(ctx, requestWith(), slug))).statusCode).toBe(404);
    }
  });
});
