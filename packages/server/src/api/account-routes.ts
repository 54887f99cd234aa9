import { createHash } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type SessionPrincipal, toMe } from '../auth/accounts.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import type { LoginSession, User } from '../domain/account.js';
import { clearCookie } from '../http/cookies.js';
import { HttpError } from '../http/errors.js';
import { parseUserAgent } from '../ingest/enrich/user-agent.js';
import { accountServiceFor, MeSchema } from './auth-routes.js';
import type { ApiContext } from './context.js';

const ErrorBody = Type.Object({ error: Type.String() });
const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  423: ErrorBody,
  429: ErrorBody,
};
const Password = Type.String({ maxLength: 1024 });
const Code = Type.String({ maxLength: 64, description: 'A 6-digit code from the authenticator app, or a backup code' });
const BackupCodes = Type.Object({
  backupCodes: Type.Array(Type.String(), { description: 'Shown once: each works for one sign-in' }),
});
const AUDIT_PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

const SessionBody = Type.Object({
  id: Type.String({ description: 'Opaque id for DELETE /api/account/sessions/:id' }),
  current: Type.Boolean(),
  browser: Type.String(),
  os: Type.String(),
  device: Type.String(),
  country: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
});

const AuditEntryBody = Type.Object({
  id: Type.Integer(),
  action: Type.String(),
  ip: Type.String(),
  country: Type.String(),
  browser: Type.String(),
  os: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String({ format: 'date-time' }),
});

/**
 * The id a session is shown under. Sessions are stored under the HMAC of their token; the page shows a hash of that
 * instead, so nothing the browser sees is a database key that other code paths accept.
 */
export function publicSessionId(session: Pick<LoginSession, 'id'>): string {
  return createHash('sha256').update(`sightline-session:${session.id}`).digest('base64url').slice(0, 22);
}

/**
 * 403 until the account's address is confirmed. Anyone may register any address (REGISTRATION=open); what such an
 * account sets up must not outlive the address's real owner taking it over with a reset link: a second factor of the
 * squatter's would lock the owner out, an API key of theirs would read every site the owner is later invited to.
 */
export function requireVerifiedEmail(user: Pick<User, 'emailVerifiedAt'>, doing: string): void {
  if (user.emailVerifiedAt === null) {
    throw new HttpError(403, `Confirm your email address before ${doing}: follow the link we mailed you`);
  }
}

/**
 * `/api/account/*`: the signed-in user's own account. Browser sessions only (API keys get 401), and every change
 * is CSRF-checked by http/csrf.ts. Personal API keys live in key-routes.ts.
 */
export async function registerAccountRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const accounts = accountServiceFor(ctx);
  const idleMs = ctx.config.sessionIdleDays * DAY_MS;

  await app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    const principals = new WeakMap<FastifyRequest, SessionPrincipal>();
    /** The signed-in session the hook below established; every route of this scope has one. */
    const sessionOf = (request: FastifyRequest): SessionPrincipal => {
      const principal = principals.get(request);
      if (principal === undefined) throw new HttpError(500, 'route is missing its session check');
      return principal;
    };
    // Every route here is the signed-in user's own, so the session is checked first, before the body is even read:
    // an anonymous caller gets 401 whatever it sends, never a validation message about the route's fields.
    // Answers carry secrets (setup keys, backup codes) and personal data: never into a shared or browser cache.
    api.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      principals.set(request, await ctx.access.requireSession(request));
    });
    /**
     * After a change of password or second factor the browser that made it gets a new session token: a token that was
     * planted in it or read from it before the change must not outlive the change, as the other sessions do not.
     */
    const rotateSession = (request: FastifyRequest, reply: FastifyReply) =>
      accounts.startSession(request, reply, sessionOf(request).user);

    api.get(
      '/api/account',
      { schema: { summary: 'The signed-in account', tags: ['account'], response: { 200: MeSchema, ...errors } } },
      async (request) => toMe(sessionOf(request).user),
    );

    api.patch(
      '/api/account',
      {
        schema: {
          summary: 'Change the display name',
          tags: ['account'],
          body: Type.Object({ name: Type.String({ maxLength: 400 }) }),
          response: { 200: MeSchema, ...errors },
        },
      },
      async (request) => {
        const { user } = sessionOf(request);
        return toMe(await accounts.rename(user, request.body.name));
      },
    );

    api.post(
      '/api/account/password',
      {
        schema: {
          summary: 'Change the password; other sessions are signed out',
          tags: ['account'],
          body: Type.Object({ currentPassword: Password, newPassword: Password }),
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const principal = sessionOf(request);
        await accounts.changePassword(request, principal, request.body.currentPassword, request.body.newPassword);
        await rotateSession(request, reply);
        return reply.code(204).send(null);
      },
    );

    api.post(
      '/api/account/email',
      {
        schema: {
          summary: 'Change the email address: a link goes to the new address, the change happens when it is opened',
          tags: ['account'],
          body: Type.Object({ password: Password, email: Type.String({ maxLength: 512 }) }),
          response: { 202: Type.Object({}), ...errors },
        },
      },
      async (request, reply) => {
        const principal = sessionOf(request);
        await accounts.requestEmailChange(request, principal, request.body.password, request.body.email);
        return reply.code(202).send({});
      },
    );

    api.post(
      '/api/account/verify-email',
      {
        schema: {
          summary: 'Send a new confirmation link to the (unconfirmed) address of the account',
          tags: ['account'],
          response: { 202: Type.Object({}), ...errors },
        },
      },
      async (request, reply) => {
        await accounts.resendVerification(sessionOf(request));
        return reply.code(202).send({});
      },
    );

    api.get(
      '/api/account/sessions',
      {
        schema: {
          summary: 'Browsers signed in to this account',
          tags: ['account'],
          response: { 200: Type.Object({ sessions: Type.Array(SessionBody) }), ...errors },
        },
      },
      async (request) => {
        const principal = sessionOf(request);
        const at = ctx.now();
        const live = (await ctx.meta.loginSessions.listForUser(principal.user.id)).filter(
          (session) => session.expiresAt.getTime() > at && session.lastSeenAt.getTime() + idleMs > at,
        );
        live.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
        return {
          sessions: live.map((session) => {
            const client = parseUserAgent(session.userAgent);
            return {
              id: publicSessionId(session),
              current: session.id === principal.session.id,
              browser: client.browser,
              os: client.os,
              device: client.device,
              country: session.country,
              createdAt: session.createdAt.toISOString(),
              lastSeenAt: session.lastSeenAt.toISOString(),
            };
          }),
        };
      },
    );

    api.delete(
      '/api/account/sessions/:id',
      {
        schema: {
          summary: 'Sign out one browser',
          tags: ['account'],
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const principal = sessionOf(request);
        const target = (await ctx.meta.loginSessions.listForUser(principal.user.id)).find(
          (session) => publicSessionId(session) === request.params.id,
        );
        if (target === undefined || !(await ctx.sessions.revoke(principal.user.id, target.id))) {
          throw new HttpError(404, 'No such session among yours; it may have ended already');
        }
        const current = target.id === principal.session.id;
        await ctx.audit.record(request, {
          userId: principal.user.id,
          action: 'session.revoked',
          details: { count: 1, reason: current ? 'signed_out_here' : 'revoked' },
        });
        if (current) reply.header('set-cookie', clearCookie(SESSION_COOKIE, { secure: ctx.secureCookies }));
        return reply.code(204).send(null);
      },
    );

    api.post(
      '/api/account/mfa/setup',
      {
        schema: {
          summary: 'Start turning on two-factor authentication: a new secret and its QR code (pending until enabled)',
          tags: ['account'],
          response: {
            200: Type.Object({ secret: Type.String(), otpauthUri: Type.String(), qrSvg: Type.String() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { user } = sessionOf(request);
        requireVerifiedEmail(user, 'turning on two-factor authentication');
        return accounts.mfa.beginSetup(user);
      },
    );

    api.post(
      '/api/account/mfa/enable',
      {
        schema: {
          summary: 'Confirm the setup with a code from the app; answers the backup codes; other sessions end',
          tags: ['account'],
          body: Type.Object({ code: Code }),
          response: { 200: BackupCodes, ...errors },
        },
      },
      async (request, reply) => {
        const principal = sessionOf(request);
        const backupCodes = await accounts.enableMfa(request, principal, request.body.code);
        await rotateSession(request, reply);
        return { backupCodes };
      },
    );

    api.post(
      '/api/account/mfa/disable',
      {
        schema: {
          summary: 'Turn two-factor authentication off (needs the password and a code)',
          tags: ['account'],
          body: Type.Object({ password: Type.Optional(Password), code: Code }),
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const principal = sessionOf(request);
        await accounts.disableMfa(request, principal, request.body.password, request.body.code);
        await rotateSession(request, reply);
        return reply.code(204).send(null);
      },
    );

    api.post(
      '/api/account/mfa/backup-codes',
      {
        schema: {
          summary: 'Replace the backup codes (needs the password and a code); the old ones stop working',
          tags: ['account'],
          body: Type.Object({ password: Type.Optional(Password), code: Code }),
          response: { 200: BackupCodes, ...errors },
        },
      },
      async (request) => {
        const principal = sessionOf(request);
        return {
          backupCodes: await accounts.regenerateBackupCodes(
            request,
            principal,
            request.body.password,
            request.body.code,
          ),
        };
      },
    );

    api.get(
      '/api/account/audit',
      {
        schema: {
          summary: 'Security events of this account, newest first, 50 per page',
          tags: ['account'],
          querystring: Type.Object({
            before: Type.Optional(
              Type.String({ maxLength: 40, description: 'ISO time: entries older than this (the next page)' }),
            ),
          }),
          response: { 200: Type.Object({ entries: Type.Array(AuditEntryBody) }), ...errors },
        },
      },
      async (request) => {
        const { user } = sessionOf(request);
        let before: Date | undefined;
        if (request.query.before !== undefined) {
          before = new Date(request.query.before);
          if (Number.isNaN(before.getTime())) {
            throw new HttpError(400, 'before must be an ISO 8601 time, e.g. 2025-01-31T12:00:00Z');
          }
        }
        const entries = await ctx.meta.audit.listForUser(user.id, { limit: AUDIT_PAGE_SIZE, before });
        return {
          entries: entries.map((entry) => {
            const client = parseUserAgent(entry.userAgent);
            return {
              id: entry.id,
              action: entry.action,
              ip: entry.ip,
              country: entry.country,
              browser: client.browser,
              os: client.os,
              details: entry.details,
              createdAt: entry.createdAt.toISOString(),
            };
          }),
        };
      },
    );
  });
}
