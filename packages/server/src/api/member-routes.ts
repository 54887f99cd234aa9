import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { roleAtLeast } from '../domain/account.js';
import { HttpError } from '../http/errors.js';
import type { ApiContext } from './context.js';
import { pathId, type SiteGuards } from './site-guards.js';
import { RoleBody, SiteParams } from './site-schemas.js';

const MemberParams = Type.Object({ siteId: Type.String({ maxLength: 20 }), userId: Type.String({ maxLength: 20 }) });
const MembersBody = Type.Object({
  members: Type.Array(
    Type.Object({
      userId: Type.Integer(),
      email: Type.String(),
      name: Type.String(),
      role: RoleBody,
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
  invitations: Type.Array(
    Type.Object({
      id: Type.Integer(),
      email: Type.String(),
      role: RoleBody,
      expiresAt: Type.String({ format: 'date-time' }),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
});

/**
 * Members of a site and their roles. Viewers may see who else has access; admins change roles and remove people.
 * The owner is fixed here: nobody demotes or removes them (ownership moves only by transfer), and any member may
 * leave a site on their own.
 */
export async function registerMemberRoutes(app: FastifyInstance, ctx: ApiContext, guards: SiteGuards): Promise<void> {
  const tags = ['sites'];

  /** The member named by `:userId` on this site, or 404 (also for people who are not members). */
  async function memberOf(siteId: number, rawUserId: unknown) {
    const userId = pathId(rawUserId);
    const member = userId === undefined ? undefined : await ctx.meta.members.find(siteId, userId);
    if (member === undefined)
      throw new HttpError(404, `No member ${JSON.stringify(String(rawUserId).slice(0, 20))} on this site`);
    return member;
  }

  app.get(
    '/api/sites/:siteId/members',
    {
      schema: {
        summary: "The site's members and pending invitations",
        tags,
        params: SiteParams,
        response: { 200: MembersBody },
      },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => {
      const { site } = guards.siteOf(request);
      const [members, invitations] = await Promise.all([
        ctx.meta.members.listForSite(site.id),
        ctx.meta.invitations.listPendingForSite(site.id, new Date(ctx.now())),
      ]);
      return {
        members: members.map((member) => ({
          userId: member.userId,
          email: member.email,
          name: member.name,
          role: member.role,
          createdAt: member.createdAt.toISOString(),
        })),
        invitations: invitations.map((invitation) => ({
          id: invitation.id,
          email: invitation.email,
          role: invitation.role,
          expiresAt: invitation.expiresAt.toISOString(),
          createdAt: invitation.createdAt.toISOString(),
        })),
      };
    },
  );

  app.patch(
    '/api/sites/:siteId/members/:userId',
    {
      schema: {
        summary: "Change a member's role to admin or viewer (admin)",
        tags,
        params: MemberParams,
        body: Type.Object({ role: Type.String({ maxLength: 20, description: '"admin" or "viewer"' }) }),
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request) => {
      const { site, principal } = guards.siteOf(request);
      const { role } = request.body as { role: string };
      const member = await memberOf(site.id, (request.params as { userId: string }).userId);
      if (role === 'owner') {
        throw new HttpError(400, 'To make someone the owner, the owner transfers the site to them');
      }
      if (role !== 'admin' && role !== 'viewer') throw new HttpError(400, 'The role must be "admin" or "viewer"');
      if (member.role === 'owner') {
        throw new HttpError(
          403,
          "The owner's role cannot be changed; the owner can transfer the site to another member",
        );
      }
      const updated = member.role === role ? member : await ctx.meta.members.upsert(site.id, member.userId, role);
      const user = await ctx.meta.users.findById(member.userId);
      if (member.role !== role) {
        await ctx.audit.record(request, {
          userId: principal.user.id,
          siteId: site.id,
          action: 'member.role_changed',
          details: { domain: site.domain, member: user?.email, from: member.role, to: role },
        });
      }
      return {
        userId: updated.userId,
        email: user?.email ?? '',
        name: user?.name ?? '',
        role: updated.role,
        createdAt: updated.createdAt.toISOString(),
      };
    },
  );

  app.delete(
    '/api/sites/:siteId/members/:userId',
    {
      schema: {
        summary: 'Remove a member (admin), or leave the site yourself (any member but the owner)',
        tags,
        params: MemberParams,
      },
      onRequest: guards.site('viewer', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal, role } = guards.siteOf(request);
      const leaving = pathId((request.params as { userId: string }).userId) === principal.user.id;
      if (!leaving && !roleAtLeast(role, 'admin')) {
        throw new HttpError(403, `Removing other members needs the admin role on ${site.domain}; you are ${role}`);
      }
      const member = await memberOf(site.id, (request.params as { userId: string }).userId);
      if (member.role === 'owner') {
        throw new HttpError(
          403,
          leaving
            ? 'You own this site: transfer it to another member before leaving'
            : 'The owner cannot be removed; the owner can transfer the site to another member first',
        );
      }
      await ctx.meta.members.remove(site.id, member.userId);
      const user = await ctx.meta.users.findById(member.userId);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: leaving ? 'member.left' : 'member.removed',
        details: { domain: site.domain, member: user?.email, role: member.role },
      });
      return reply.code(204).send();
    },
  );
}
