import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createIpThrottle } from '../auth/ip-throttle.js';
import { normalizeEmail } from '../auth/passwords.js';
import { TOKEN_PREFIXES } from '../auth/tokens.js';
import { type Invitation, roleAtLeast } from '../domain/account.js';
import { HttpError } from '../http/errors.js';
import { invitationMail } from '../sites/invitation-mail.js';
import { maskEmail } from '../sites/mask-email.js';
import type { ApiContext } from './context.js';
import { pathId, type SiteGuards, siteSummary } from './site-guards.js';
import { ErrorBody, SiteItemParams, SiteParams, SiteSummaryBody } from './site-schemas.js';

export const INVITATION_TTL_MS = 7 * 86_400_000;
/** Pending invitations a site may have at once. */
export const MAX_PENDING_INVITATIONS = 100;
/** Invitation mails per site and hour: an instance must not become a way to mail strangers in bulk. */
export const INVITATION_MAILS_PER_HOUR = 30;
/** Token look-ups and accepts per client IP and minute. */
export const INVITATION_TOKEN_ATTEMPTS_PER_MINUTE = 30;

const InvitationBody = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  role: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const TokenBody = Type.Object({ token: Type.String({ maxLength: 200 }) });

const invalidLink = () =>
  new HttpError(404, 'This invitation link is not valid: it was used, revoked or has expired; ask for a new one');

function invitationJson(invitation: Invitation) {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    expiresAt: invitation.expiresAt.toISOString(),
    createdAt: invitation.createdAt.toISOString(),
  };
}

/**
 * Invitations by email link. The link carries a single-use token (`sl_invite_…`) that is stored only as its hash and
 * expires after 7 days; it works for the account with the invited address only. Admins invite admins and viewers;
 * ownership moves only by transfer.
 */
export async function registerInvitationRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  guards: SiteGuards,
): Promise<void> {
  const tags = ['sites'];

  const tokenThrottle = createIpThrottle({
    state: ctx.state,
    limitPerMinute: INVITATION_TOKEN_ATTEMPTS_PER_MINUTE,
    now: ctx.now,
    scope: 'invitation-token',
    message: 'Too many invitation links tried from your network; wait a minute and try again',
  });
  const throttleTokenAttempts = (request: FastifyRequest) => tokenThrottle.hit(request.ip);

  /** The pending invitation a presented token belongs to, or 404. */
  async function pendingInvitation(token: string) {
    const hash = token.startsWith(`${TOKEN_PREFIXES.invitation}_`) ? ctx.tokens.hashToken(token) : undefined;
    const invitation = hash === undefined ? undefined : await ctx.meta.invitations.findByTokenHash(hash);
    if (invitation === undefined || invitation.acceptedAt !== null || invitation.expiresAt.getTime() <= ctx.now()) {
      throw invalidLink();
    }
    const site = await ctx.meta.sites.findById(invitation.siteId);
    if (site === undefined) throw invalidLink();
    return { invitation, site };
  }

  app.post(
    '/api/sites/:siteId/invitations',
    {
      schema: {
        summary: 'Invite someone by email as admin or viewer (admin); a new invitation replaces a pending one',
        tags,
        params: SiteParams,
        body: Type.Object({
          email: Type.String({ maxLength: 512 }),
          role: Type.String({ maxLength: 20, description: '"admin" or "viewer"' }),
        }),
        response: { 201: InvitationBody, 400: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const body = request.body as { email: string; role: string };
      const email = normalizeEmail(body.email);
      if (email === undefined) throw new HttpError(400, 'Enter the email address of the person to invite');
      if (body.role === 'owner') {
        throw new HttpError(
          400,
          'Invitations make someone admin or viewer; to hand the site over, invite them and then transfer it',
        );
      }
      if (body.role !== 'admin' && body.role !== 'viewer') {
        throw new HttpError(400, 'The role must be "admin" or "viewer"');
      }
      const invitee = await ctx.meta.users.findByEmail(email);
      if (invitee !== undefined && (await ctx.meta.members.find(site.id, invitee.id)) !== undefined) {
        throw new HttpError(409, `${email} is already a member of ${site.domain}`);
      }
      const now = ctx.now();
      const pending = await ctx.meta.invitations.listPendingForSite(site.id, new Date(now));
      const previous = pending.filter((invitation) => invitation.email === email);
      if (pending.length - previous.length >= MAX_PENDING_INVITATIONS) {
        throw new HttpError(
          400,
          `${site.domain} has ${MAX_PENDING_INVITATIONS} pending invitations; revoke some first`,
        );
      }
      const hour = Math.floor(now / 3_600_000);
      if (
        (await ctx.state.increment(`invitation-mail:site:${site.id}:${hour}`, 3_600_000)) > INVITATION_MAILS_PER_HOUR
      ) {
        throw new HttpError(429, `Too many invitations sent for ${site.domain} this hour; try again later`, {
          'retry-after': String(Math.ceil(((hour + 1) * 3_600_000 - now) / 1000)),
        });
      }

      const token = ctx.tokens.newToken(TOKEN_PREFIXES.invitation);
      const invitation = await ctx.meta.invitations.create({
        siteId: site.id,
        email,
        role: body.role,
        tokenHash: token.hash,
        invitedBy: principal.user.id,
        expiresAt: new Date(now + INVITATION_TTL_MS),
      });
      const link = `${ctx.config.publicUrl}/invitations/accept?token=${encodeURIComponent(token.token)}`;
      try {
        await ctx.mailer.send(
          invitationMail({
            to: email,
            inviterName: principal.user.name,
            inviterEmail: principal.user.email,
            siteDomain: site.domain,
            role: body.role,
            link,
            expiresAt: invitation.expiresAt,
          }),
        );
      } catch (error) {
        // An invitation nobody received would only block a retry: take it back and say so.
        await ctx.meta.invitations.delete(invitation.id).catch(() => undefined);
        request.log.error({ err: error }, 'sending an invitation mail failed');
        throw new HttpError(
          503,
          'The invitation mail could not be sent; try again later or ask the operator to check mail settings',
          {
            'retry-after': '60',
          },
        );
      }
      // A fresh invitation is a resend: the older link for the same address stops working.
      for (const old of previous) await ctx.meta.invitations.delete(old.id);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'invitation.created',
        details: { domain: site.domain, email, role: body.role },
      });
      return reply.code(201).send(invitationJson(invitation));
    },
  );

  app.delete(
    '/api/sites/:siteId/invitations/:id',
    {
      schema: {
        summary: 'Revoke a pending invitation (admin)',
        tags,
        params: SiteItemParams,
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const rawId = (request.params as { id: string }).id;
      const id = pathId(rawId);
      const invitation = id === undefined ? undefined : await ctx.meta.invitations.findById(id);
      if (invitation === undefined || invitation.siteId !== site.id || invitation.acceptedAt !== null) {
        throw new HttpError(404, `No pending invitation ${JSON.stringify(rawId.slice(0, 20))} on this site`);
      }
      await ctx.meta.invitations.delete(invitation.id);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'invitation.revoked',
        details: { domain: site.domain, email: invitation.email, role: invitation.role },
      });
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/invitations/lookup',
    {
      schema: {
        summary: 'What an invitation link is for, so the page can offer to sign in or register',
        tags,
        body: TokenBody,
        response: {
          200: Type.Object({
            siteDomain: Type.String(),
            role: Type.String(),
            email: Type.String(),
            accountExists: Type.Boolean(),
          }),
          404: ErrorBody,
          429: ErrorBody,
        },
      },
      onRequest: async (request) => throttleTokenAttempts(request),
    },
    async (request) => {
      const { invitation, site } = await pendingInvitation((request.body as { token: string }).token);
      return {
        siteDomain: site.domain,
        role: invitation.role,
        email: invitation.email,
        accountExists: (await ctx.meta.users.findByEmail(invitation.email)) !== undefined,
      };
    },
  );

  app.post(
    '/api/invitations/accept',
    {
      schema: {
        summary: 'Accept an invitation with the account it was sent to',
        tags,
        body: TokenBody,
        response: { 200: Type.Object({ site: SiteSummaryBody }), 403: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
      onRequest: [guards.session(), async (request: FastifyRequest) => throttleTokenAttempts(request)],
    },
    async (request) => {
      const { user } = guards.userOf(request);
      const { invitation, site } = await pendingInvitation((request.body as { token: string }).token);
      if (invitation.email !== user.email) {
        throw new HttpError(
          403,
          `This invitation was sent to ${maskEmail(invitation.email)}; sign in with that address to accept it`,
        );
      }
      const now = new Date(ctx.now());
      // Atomic and single-use: of two clicks at once, one wins and the other is told the link was used.
      if (!(await ctx.meta.invitations.accept(invitation.id, now))) throw invalidLink();
      const existing = await ctx.meta.members.find(site.id, user.id);
      // Never a demotion: an admin (or the owner) accepting a viewer invitation keeps the stronger role.
      const role =
        existing !== undefined && roleAtLeast(existing.role, invitation.role) ? existing.role : invitation.role;
      if (existing?.role !== role) await ctx.meta.members.upsert(site.id, user.id, role);
      // The token reached this address's inbox: that proves the address as a verification link would.
      if (user.emailVerifiedAt === null) await ctx.meta.users.update(user.id, { emailVerifiedAt: now });
      await ctx.audit.record(request, {
        userId: user.id,
        siteId: site.id,
        action: 'invitation.accepted',
        details: { domain: site.domain, role },
      });
      if (invitation.invitedBy !== user.id) {
        await ctx.audit.record(request, {
          userId: invitation.invitedBy,
          siteId: site.id,
          action: 'member.added',
          details: { domain: site.domain, member: user.email, role },
        });
      }
      return { site: siteSummary(site, role) };
    },
  );
}
