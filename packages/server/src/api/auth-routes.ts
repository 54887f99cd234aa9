import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type AccountService, createAccountService, MFA_CHALLENGE_TTL_MS, MFA_COOKIE, toMe } from '../auth/accounts.js';
import { createIpThrottle } from '../auth/ip-throttle.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { REGISTRATION_MODES } from '../domain/account.js';
import { clearCookie, readCookie, serializeCookie } from '../http/cookies.js';
import type { ApiContext } from './context.js';

/** The Me shape of the API contract, for response schemas and the OpenAPI document. */
export const MeSchema = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  emailVerified: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  isInstanceOwner: Type.Boolean(),
  hasPassword: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});

const ErrorBody = Type.Object({ error: Type.String() });
/** Generous caps: the policy gives the precise message, these only keep junk from being parsed at all. */
const Email = Type.String({ maxLength: 512, description: 'Email address' });
const Password = Type.String({ maxLength: 1024, description: '8 to 128 characters' });
const Name = Type.String({ maxLength: 400, description: 'Display name (up to 100 characters)' });
const MailToken = Type.String({ maxLength: 200, description: 'The token from the mailed link' });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 423: ErrorBody, 429: ErrorBody };

const StateBody = Type.Object({
  setupRequired: Type.Boolean(),
  registration: Type.Union(REGISTRATION_MODES.map((mode) => Type.Literal(mode))),
  oidc: Type.Object({ enabled: Type.Boolean(), name: Type.String() }),
  smtpConfigured: Type.Boolean(),
  user: Type.Union([MeSchema, Type.Null()]),
});

/** One account service per API context, shared by the auth, account and OIDC routes. */
const services = new WeakMap<ApiContext, AccountService>();

/** The account service for a context, created once. */
export function accountServiceFor(ctx: ApiContext): AccountService {
  let service = services.get(ctx);
  if (service === undefined) {
    service = createAccountService(ctx);
    services.set(ctx, service);
  }
  return service;
}

/**
 * `/api/auth/*`: what a browser does before it has a session (setup, sign-up, sign-in, mail links) and sign-out.
 * Every POST here spends the client's per-minute budget (LOGIN_RATE_LIMIT_PER_IP) before anything else runs.
 */
export async function registerAuthRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const accounts = accountServiceFor(ctx);
  const throttle = createIpThrottle({
    state: ctx.state,
    limitPerMinute: ctx.config.loginRateLimitPerIp,
    now: ctx.now,
    scope: 'auth',
    message: 'Too many sign-in attempts from your network; wait a minute and try again',
  });
  const secure = ctx.secureCookies;

  await app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    // Runs for the routes of this scope only. It looks at the matched route, never at request.url: the router decodes
    // the path, so `/api/%61uth/login` is the sign-in route too and must spend the same budget.
    api.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      // Sign-out is exempt: running out of attempts must never keep someone signed in on a shared computer.
      if (request.method === 'POST' && request.routeOptions.url !== '/api/auth/logout') await throttle.hit(request.ip);
    });

    api.get(
      '/api/auth/state',
      {
        schema: {
          summary: 'What the sign-in pages need: setup, registration mode, single sign-on, the signed-in account',
          tags: ['accounts'],
          response: { 200: StateBody },
        },
      },
      async (request) => {
        const principal = await ctx.access.sessionUser(request);
        return {
          setupRequired: (await ctx.meta.users.count()) === 0,
          registration: ctx.config.registration,
          oidc: { enabled: ctx.config.oidcIssuer !== undefined, name: ctx.config.oidcName },
          smtpConfigured: ctx.mailer.delivers,
          user: principal === undefined ? null : toMe(principal.user),
        };
      },
    );

    api.post(
      '/api/auth/setup',
      {
        schema: {
          summary: 'First run: create the instance owner (only while no account exists)',
          tags: ['accounts'],
          body: Type.Object({ email: Email, password: Password, name: Type.Optional(Name) }),
          response: { 201: Type.Object({ user: MeSchema }), ...errors },
        },
      },
      async (request, reply) => {
        const user = await accounts.setup(request, request.body);
        await accounts.startSession(request, reply, user);
        return reply.code(201).send({ user: toMe(user) });
      },
    );

    api.post(
      '/api/auth/register',
      {
        schema: {
          summary: 'Create an account (REGISTRATION=open, or invite with an invitation token)',
          tags: ['accounts'],
          body: Type.Object({
            email: Email,
            password: Password,
            name: Type.Optional(Name),
            invitation: Type.Optional(Type.String({ maxLength: 200, description: 'Invitation token from the mail' })),
          }),
          response: { 201: Type.Object({ user: MeSchema }), ...errors },
        },
      },
      async (request, reply) => {
        const user = await accounts.register(request, request.body);
        await accounts.startSession(request, reply, user);
        return reply.code(201).send({ user: toMe(user) });
      },
    );

    api.post(
      '/api/auth/login',
      {
        schema: {
          summary: 'Sign in with email and password',
          description:
            'Answers `{ status: "ok", user }` with the session cookie, or `{ status: "mfa_required" }` with a five-minute `sl_mfa` cookie for POST /api/auth/login/mfa.',
          tags: ['accounts'],
          body: Type.Object({ email: Email, password: Password }),
          response: {
            200: Type.Object({
              status: Type.Union([Type.Literal('ok'), Type.Literal('mfa_required')]),
              user: Type.Optional(MeSchema),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const result = await accounts.login(request, request.body.email, request.body.password);
        if (result.status === 'mfa_required') {
          reply.header(
            'set-cookie',
            serializeCookie(MFA_COOKIE, result.challenge, { maxAgeSeconds: MFA_CHALLENGE_TTL_MS / 1000, secure }),
          );
          return { status: 'mfa_required' as const };
        }
        await accounts.startSession(request, reply, result.user);
        return { status: 'ok' as const, user: toMe(result.user) };
      },
    );

    api.post(
      '/api/auth/login/mfa',
      {
        schema: {
          summary: 'Second step of a sign-in: a 6-digit code from the authenticator app, or a backup code',
          tags: ['accounts'],
          body: Type.Object({ code: Type.String({ maxLength: 64 }) }),
          response: { 200: Type.Object({ status: Type.Literal('ok'), user: MeSchema }), ...errors },
        },
      },
      async (request, reply) => {
        const challenge = readCookie(request.headers.cookie, MFA_COOKIE);
        const user = await accounts.completeMfaLogin(request, challenge, request.body.code);
        await accounts.startSession(request, reply, user);
        return { status: 'ok' as const, user: toMe(user) };
      },
    );

    api.post(
      '/api/auth/logout',
      { schema: { summary: 'Sign out: ends this session', tags: ['accounts'], response: { 204: Type.Null() } } },
      async (request, reply) => {
        const principal = await ctx.access.sessionUser(request);
        await ctx.sessions.revokeToken(readCookie(request.headers.cookie, SESSION_COOKIE));
        if (principal !== undefined) {
          await ctx.audit.record(request, { userId: principal.user.id, action: 'logout' });
        }
        reply.header('set-cookie', clearCookie(SESSION_COOKIE, { secure }));
        return reply.code(204).send(null);
      },
    );

    api.post(
      '/api/auth/verify-email',
      {
        schema: {
          summary: 'Follow a verification or email-change link',
          tags: ['accounts'],
          body: Type.Object({ token: MailToken }),
          response: { 200: Type.Object({ user: Type.Union([MeSchema, Type.Null()]) }), ...errors },
        },
      },
      async (request) => {
        const confirmed = await accounts.verifyEmail(request, request.body.token);
        // The account is only shown to its own signed-in browser; a link opened elsewhere just confirms.
        const principal = await ctx.access.sessionUser(request);
        return { user: principal?.user.id === confirmed.id ? toMe(confirmed) : null };
      },
    );

    api.post(
      '/api/auth/forgot-password',
      {
        schema: {
          summary: 'Mail a password reset link (always 202: whether the address has an account is not revealed)',
          tags: ['accounts'],
          body: Type.Object({ email: Email }),
          response: { 202: Type.Object({}), ...errors },
        },
      },
      async (request, reply) => {
        accounts.requestPasswordReset(request.body.email);
        return reply.code(202).send({});
      },
    );

    api.post(
      '/api/auth/reset-password',
      {
        schema: {
          summary: 'Set a new password with a reset link; unlocks the account and signs out every session',
          tags: ['accounts'],
          body: Type.Object({ token: MailToken, password: Password }),
          response: { 200: Type.Object({}), ...errors },
        },
      },
      async (request, reply) => {
        const principal = await ctx.access.sessionUser(request);
        const user = await accounts.resetPassword(request, request.body.token, request.body.password);
        // Every session of the account just ended, this browser's too if it was signed in to it.
        if (principal?.user.id === user.id) {
          reply.header('set-cookie', clearCookie(SESSION_COOKIE, { secure }));
        }
        return {};
      },
    );
  });
}
