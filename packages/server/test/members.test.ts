import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey, TOKEN_PREFIXES } from '../src/auth/tokens.js';
import type { Site } from '../src/domain/site.js';
import { addSite, clientFetch, type TestApp, type TestClient } from './support/app.js';
import { type MailCatcher, startMailCatcher, tokenFromMail } from './support/mail-catcher.js';
import { tempDataDir } from './support/server.js';
import {
  BASE_URL,
  expectError,
  expectStatus,
  META_ENGINES,
  signedInAs,
  startSiteApp,
} from './support/site-fixtures.js';

/**
 * Members, roles and invitations over HTTP, with invitation mail delivered to a real SMTP server in this process and
 * its link followed. Once on SQLite and once on PostgreSQL.
 */

const DATA_DIR = tempDataDir('sightline-members-');
const DAY = 86_400_000;

interface Members {
  members: Array<{ userId: number; email: string; name: string; role: string; createdAt: string }>;
  invitations: Array<{ id: number; email: string; role: string; expiresAt: string; createdAt: string }>;
}

describe.each(META_ENGINES)('members and invitations on $name', (engine) => {
  let app: TestApp;
  let drop: () => Promise<void>;
  let mail: MailCatcher;
  let owner: TestClient;
  let accountCount = 0;

  beforeAll(async () => {
    mail = await startMailCatcher();
    ({ app, drop } = await startSiteApp(engine, DATA_DIR, { SMTP_URL: mail.url, MAIL_FROM: 'sightline@example.test' }));
    owner = await signedInAs(app, 'owner@example.com', { name: 'Olga' });
  });

  afterAll(async () => {
    await app?.close();
    await drop?.();
    await mail?.close();
  });

  let siteCount = 0;
  async function freshSite(): Promise<Site> {
    siteCount++;
    return addSite(app, owner, `team${siteCount}.example`);
  }

  async function account(role?: { site: Site; role: 'admin' | 'viewer' }): Promise<TestClient> {
    accountCount++;
    const client = await signedInAs(app, `person${accountCount}@example.com`, { name: `Person ${accountCount}` });
    if (role) await app.server.stores.meta.members.upsert(role.site.id, client.user.id, role.role);
    return client;
  }

  const invite = (client: TestClient, site: Site, body: unknown) =>
    client.fetch(`/api/sites/${site.id}/invitations`, { body });

  async function inviteAndReadMail(site: Site, email: string, role: 'admin' | 'viewer', by = owner) {
    const before = mail.messages.length;
    const invitation = await expectStatus<Members['invitations'][number]>(await invite(by, site, { email, role }), 201);
    const message = await mail.waitFor((m) => mail.messages.indexOf(m) >= before && m.to.includes(invitation.email));
    return { invitation, message, token: tokenFromMail(message, '/invitations/accept') };
  }

  describe('invitations', () => {
    it('mails a 7-day single-use link that the invited account accepts', async () => {
      const site = await freshSite();
      const sentAt = Date.now();
      const { invitation, message, token } = await inviteAndReadMail(site, ' New.Person@EXAMPLE.com ', 'viewer');
      expect(invitation.email).toBe('new.person@example.com');
      expect(invitation.role).toBe('viewer');
      const expiresAt = new Date(invitation.expiresAt).getTime();
      expect(expiresAt - sentAt).toBeGreaterThan(7 * DAY - 60_000);
      expect(expiresAt - sentAt).toBeLessThanOrEqual(7 * DAY + 60_000);

      expect(message.subject).toContain(site.domain);
      expect(message.text).toContain('Olga (owner@example.com) invited you');
      expect(message.text).toContain(`${BASE_URL}/invitations/accept?token=${token}`);
      expect(token.startsWith(`${TOKEN_PREFIXES.invitation}_`)).toBe(true);

      // Only the hash is stored.
      const tokens = createTokens({ key: deriveTokenKey(app.config.secretKey) });
      const stored = await app.server.stores.meta.invitations.findByTokenHash(tokens.hashToken(token) ?? '');
      expect(stored?.id).toBe(invitation.id);
      expect(JSON.stringify(stored)).not.toContain(token);

      const listed = await expectStatus<Members>(await owner.fetch(`/api/sites/${site.id}/members`), 200);
      expect(listed.invitations).toEqual([invitation]);

      expect(
        await expectStatus(await clientFetch(app.url, '/api/invitations/lookup', { body: { token } }), 200),
      ).toEqual({ siteDomain: site.domain, role: 'viewer', email: 'new.person@example.com', accountExists: false });

      // Accepting needs a session, of the invited address.
      await expectError(await clientFetch(app.url, '/api/invitations/accept', { body: { token } }), 401, /Sign in/);
      const stranger = await account();
      await expectError(
        await stranger.fetch('/api/invitations/accept', { body: { token } }),
        403,
        'This invitation was sent to n***@example.com; sign in with that address to accept it',
      );
      const invited = await signedInAs(app, 'new.person@example.com', { verified: false });
      expect(
        await expectStatus(await clientFetch(app.url, '/api/invitations/lookup', { body: { token } }), 200),
      ).toMatchObject({ accountExists: true });
      const accepted = await expectStatus<{ site: { id: number; role: string; domain: string } }>(
        await invited.fetch('/api/invitations/accept', { body: { token } }),
        200,
      );
      expect(accepted.site).toMatchObject({ id: site.id, domain: site.domain, role: 'viewer' });
      // The link came to this address: that verifies it.
      expect((await app.server.stores.meta.users.findById(invited.user.id))?.emailVerifiedAt).not.toBeNull();

      // Single use: the link is spent, for lookup and accept alike.
      await expectError(
        await invited.fetch('/api/invitations/accept', { body: { token } }),
        404,
        /used, revoked or has expired/,
      );
      await expectError(await clientFetch(app.url, '/api/invitations/lookup', { body: { token } }), 404, /not valid/);

      const after = await expectStatus<Members>(await invited.fetch(`/api/sites/${site.id}/members`), 200);
      expect(after.invitations).toEqual([]);
      expect(after.members.map((m) => [m.email, m.role]).sort()).toEqual([
        ['new.person@example.com', 'viewer'],
        ['owner@example.com', 'owner'],
      ]);
    });

    it('refuses members, owners and bad addresses; admins invite admins and viewers; viewers invite nobody', async () => {
      const site = await freshSite();
      const admin = await account({ site, role: 'admin' });
      const viewer = await account({ site, role: 'viewer' });
      await expectError(
        await invite(owner, site, { email: admin.user.email, role: 'viewer' }),
        409,
        /already a member/,
      );
      await expectError(
        await invite(owner, site, { email: 'OWNER@example.com', role: 'admin' }),
        409,
        /already a member/,
      );
      await expectError(await invite(owner, site, { email: 'x@example.com', role: 'owner' }), 400, /transfer/);
      await expectError(await invite(admin, site, { email: 'x@example.com', role: 'owner' }), 400, /transfer/);
      await expectError(
        await invite(owner, site, { email: 'x@example.com', role: 'boss' }),
        400,
        /"admin" or "viewer"/,
      );
      await expectError(await invite(owner, site, { email: 'not-an-address', role: 'viewer' }), 400, /email address/);
      await expectError(await invite(viewer, site, { email: 'x@example.com', role: 'viewer' }), 403, /admin/);
      const { token } = await inviteAndReadMail(site, 'second-admin@example.com', 'admin', admin);
      const invited = await signedInAs(app, 'second-admin@example.com');
      expect(
        await expectStatus(await invited.fetch('/api/invitations/accept', { body: { token } }), 200),
      ).toMatchObject({ site: { role: 'admin' } });
    });

    it('a new invitation to the same address replaces the old link; a revoked or expired one stops working', async () => {
      const site = await freshSite();
      const first = await inviteAndReadMail(site, 'twice@example.com', 'viewer');
      const second = await inviteAndReadMail(site, 'twice@example.com', 'admin');
      await expectError(
        await clientFetch(app.url, '/api/invitations/lookup', { body: { token: first.token } }),
        404,
        /not valid/,
      );
      expect(
        await expectStatus(
          await clientFetch(app.url, '/api/invitations/lookup', { body: { token: second.token } }),
          200,
        ),
      ).toMatchObject({ role: 'admin' });
      const listed = await expectStatus<Members>(await owner.fetch(`/api/sites/${site.id}/members`), 200);
      expect(listed.invitations.map((i) => i.id)).toEqual([second.invitation.id]);

      const revoked = await owner.fetch(`/api/sites/${site.id}/invitations/${second.invitation.id}`, {
        method: 'DELETE',
      });
      expect(revoked.status).toBe(204);
      await expectError(
        await clientFetch(app.url, '/api/invitations/lookup', { body: { token: second.token } }),
        404,
        /not valid/,
      );
      await expectError(
        await owner.fetch(`/api/sites/${site.id}/invitations/${second.invitation.id}`, { method: 'DELETE' }),
        404,
        /No pending invitation/,
      );

      // Expired: made straight in the store with a past expiry.
      const tokens = createTokens({ key: deriveTokenKey(app.config.secretKey) });
      const stale = tokens.newToken(TOKEN_PREFIXES.invitation);
      await app.server.stores.meta.invitations.create({
        siteId: site.id,
        email: 'late@example.com',
        role: 'viewer',
        tokenHash: stale.hash,
        invitedBy: owner.user.id,
        expiresAt: new Date(Date.now() - 1000),
      });
      const late = await signedInAs(app, 'late@example.com');
      await expectError(await late.fetch('/api/invitations/accept', { body: { token: stale.token } }), 404, /expired/);
      await expectError(
        await clientFetch(app.url, '/api/invitations/lookup', { body: { token: 'sl_invite_garbage' } }),
        404,
        /not valid/,
      );
    });

    it('accepting never demotes someone who already has a stronger role', async () => {
      const site = await freshSite();
      const { token } = await inviteAndReadMail(site, 'climber@example.com', 'viewer');
      const climber = await signedInAs(app, 'climber@example.com');
      await app.server.stores.meta.members.upsert(site.id, climber.user.id, 'admin');
      expect(
        await expectStatus(await climber.fetch('/api/invitations/accept', { body: { token } }), 200),
      ).toMatchObject({ site: { role: 'admin' } });
    });
  });

  describe('roles', () => {
    it('admins change roles between admin and viewer; nobody changes the owner', async () => {
      const site = await freshSite();
      const admin = await account({ site, role: 'admin' });
      const viewer = await account({ site, role: 'viewer' });
      const patch = (client: TestClient, userId: number, role: string) =>
        client.fetch(`/api/sites/${site.id}/members/${userId}`, { method: 'PATCH', body: { role } });

      expect(await expectStatus(await patch(admin, viewer.user.id, 'admin'), 200)).toMatchObject({
        userId: viewer.user.id,
        role: 'admin',
      });
      expect(await expectStatus(await patch(viewer, admin.user.id, 'viewer'), 200)).toMatchObject({ role: 'viewer' });
      // `admin` is now a viewer and may change nothing.
      await expectError(await patch(admin, viewer.user.id, 'viewer'), 403, /admin role/);
      await expectError(await patch(viewer, owner.user.id, 'viewer'), 403, /owner's role cannot be changed/);
      await expectError(await patch(owner, owner.user.id, 'admin'), 403, /owner's role cannot be changed/);
      await expectError(await patch(viewer, admin.user.id, 'owner'), 400, /transfers the site/);
      await expectError(await patch(owner, admin.user.id, 'editor'), 400, /"admin" or "viewer"/);
      await expectError(await patch(owner, 999_999, 'viewer'), 404, /No member/);

      const members = await expectStatus<Members>(await owner.fetch(`/api/sites/${site.id}/members`), 200);
      expect(Object.fromEntries(members.members.map((m) => [m.userId, m.role]))).toEqual({
        [owner.user.id]: 'owner',
        [admin.user.id]: 'viewer',
        [viewer.user.id]: 'admin',
      });
    });

    it('members leave on their own; admins remove others; the owner stays', async () => {
      const site = await freshSite();
      const admin = await account({ site, role: 'admin' });
      const viewer = await account({ site, role: 'viewer' });
      const other = await account({ site, role: 'viewer' });
      const remove = (client: TestClient, userId: number) =>
        client.fetch(`/api/sites/${site.id}/members/${userId}`, { method: 'DELETE' });

      await expectError(await remove(viewer, other.user.id), 403, /admin role/);
      expect((await remove(viewer, viewer.user.id)).status).toBe(204);
      await expectError(await viewer.fetch(`/api/sites/${site.id}`), 404, /among your sites/);
      expect((await remove(admin, other.user.id)).status).toBe(204);
      await expectError(await remove(admin, owner.user.id), 403, /owner cannot be removed/);
      await expectError(await remove(owner, owner.user.id), 403, /transfer it to another member before leaving/);

      const members = await expectStatus<Members>(await owner.fetch(`/api/sites/${site.id}/members`), 200);
      expect(members.members.map((m) => m.userId).sort((a, b) => a - b)).toEqual(
        [owner.user.id, admin.user.id].sort((a, b) => a - b),
      );
    });

    it('a viewer reads the member list but changes nothing', async () => {
      const site = await freshSite();
      const viewer = await account({ site, role: 'viewer' });
      const listed = await expectStatus<Members>(await viewer.fetch(`/api/sites/${site.id}/members`), 200);
      expect(listed.members.find((m) => m.userId === owner.user.id)).toMatchObject({
        email: 'owner@example.com',
        name: 'Olga',
        role: 'owner',
      });
      await expectError(
        await viewer.fetch(`/api/sites/${site.id}`, { method: 'PATCH', body: { name: 'Mine now' } }),
        403,
        /admin/,
      );
      await expectError(
        await viewer.fetch(`/api/sites/${site.id}/transfer`, { body: { email: viewer.user.email } }),
        403,
        /owner/,
      );
    });
  });
});
