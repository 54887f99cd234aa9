import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MFA_CHALLENGE_TTL_MS, MFA_COOKIE } from '../auth/accounts.js';
import { createIpThrottle } from '../auth/ip-throttle.js';
import { mfaEnabled } from '../auth/mfa.js';
import { createOidcClient, type OidcClient, OidcError, type OidcIdentity, type PendingSignIn } from '../auth/oidc.js';
import { normalizeEmail } from '../auth/passwords.js';
import { TOKEN_PREFIXES } from '../auth/tokens.js';
import type { User } from '../domain/account.js';
import { clearCookie, readCookie, serializeCookie } from '../http/cookies.js';
import { HttpError } from '../http/errors.js';
import { DuplicateEmailError } from '../storage/meta/meta-store.js';
import { accountServiceFor } from './auth-routes.js';
import type { ApiContext } from './context.js';

/**
 * Sign-in with an OpenID Connect provider (contract: "Auth", `GET /api/auth/oidc/start` and `/callback`).
 *
 * Both routes are browser navigations, so every outcome is a redirect: to the provider, to the dashboard with a
 * session cookie, or to `/login?error=<short message>` (never a JSON error page, never a 5xx for a provider problem).
 */

export const OIDC_START_PATH = '/api/auth/oidc/start';
export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';
/** Binds the flow to the browser that started it. Holds only a random id; the checks stay server-side. */
export const OIDC_FLOW_COOKIE = 'sl_oidc';
const OIDC_FLOW_COOKIE_PATH = '/api/auth/oidc';
const OIDC_FLOW_PREFIX = 'sl_oidc';
/** Time to sign in at the provider (and consent) before the flow expires. */
const OIDC_FLOW_TTL_MS = 10 * 60_000;

/**
 * State-store key of a pending second-factor challenge, in the form auth/accounts.ts `login` writes and
 * `completeMfaLogin` reads (value: the user id; key: the HMAC hash of the `sl_mfa` cookie token, never the token).
 */
const mfaChallengeKey = (tokenHash: string) => `mfa-challenge:${tokenHash}`;

const flowKey = (hash: string) => `oidc:flow:${hash}`;

const NOT_CONFIGURED =
  'Sign-in with OpenID Connect is not configured on this instance; the operator sets OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET';

/** A refusal the person can act on; `message` goes into `/login?error=` as it is. */
class SignInRefused extends Error {
  constructor(
    message: string,
    /** Short reason for the log and the audit entry. */
    readonly reason: string,
    readonly user?: User,
  ) {
    super(message);
  }
}

const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 1024 })),
    iss: Type.Optional(Type.String({ maxLength: 2048 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  // Providers add their own parameters (session_state, scope, authuser, prompt, hd …).
  { additionalProperties: true },
);

export async function registerOidcRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { config } = ctx;
  const providerName = config.oidcName;
  const basePath = new URL(config.publicUrl).pathname.replace(/\/+$/, '');
  const redirectUri = `${config.publicUrl}${OIDC_CALLBACK_PATH}`;
  const oidc: OidcClient | undefined =
    config.oidcIssuer && config.oidcClientId && config.oidcClientSecret
      ? createOidcClient({
          issuer: config.oidcIssuer,
          clientId: config.oidcClientId,
          clientSecret: config.oidcClientSecret,
          redirectUri,
          now: ctx.now,
        })
      : undefined;
  const throttle = createIpThrottle({
    state: ctx.state,
    limitPerMinute: config.loginRateLimitPerIp,
    now: ctx.now,
    scope: 'oidc',
    message: 'Too many sign-in attempts from your network; wait a minute and try again',
  });
  const secure = ctx.secureCookies;

  function requireConfigured(): OidcClient {
    if (oidc === undefined) throw new HttpError(404, NOT_CONFIGURED);
    return oidc;
  }

  function loginError(reply: FastifyReply, message: string): FastifyReply {
    return reply.redirect(`${basePath}/login?error=${encodeURIComponent(message)}`, 302);
  }

  /** What the person is told for a failure at the provider; the details go to the log only. */
  function messageFor(error: OidcError): string {
    switch (error.reason) {
      case 'unreachable':
        return `${providerName} could not be reached; try again in a few minutes`;
      case 'cancelled':
        return `Sign-in with ${providerName} was cancelled`;
      case 'state_mismatch':
        return 'This sign-in could not be verified; start it again from the sign-in page';
      case 'refused':
        return `${providerName} refused the sign-in (${error.providerError ?? 'error'})`;
      default:
        return `Sign-in with ${providerName} failed; try again`;
    }
  }

  app.get(
    OIDC_START_PATH,
    {
      schema: {
        summary: 'Start signing in with the OpenID Connect provider (redirects to it)',
        tags: ['accounts'],
        response: { 302: Type.Null(), 404: Type.Object({ error: Type.String() }) },
      },
    },
    async (request, reply) => {
      const client = requireConfigured();
      noStore(reply);
      try {
        await throttle.hit(request.ip);
      } catch (error) {
        if (error instanceof HttpError) return loginError(reply, error.message);
        throw error;
      }
      let started: { authorizationUrl: URL; pending: PendingSignIn };
      try {
        started = await client.start();
      } catch (error) {
        if (!(error instanceof OidcError)) throw error;
        request.log.warn({ reason: error.reason, detail: error.message }, 'OpenID Connect sign-in could not start');
        return loginError(reply, messageFor(error));
      }
      const { token, hash } = ctx.tokens.newToken(OIDC_FLOW_PREFIX);
      await ctx.state.set(flowKey(hash), JSON.stringify(started.pending), OIDC_FLOW_TTL_MS);
      reply.header(
        'set-cookie',
        serializeCookie(OIDC_FLOW_COOKIE, token, {
          secure,
          path: OIDC_FLOW_COOKIE_PATH,
          maxAgeSeconds: OIDC_FLOW_TTL_MS / 1000,
        }),
      );
      return reply.redirect(started.authorizationUrl.toString(), 302);
    },
  );

  /** The flow this browser started, once: a second use of the same cookie (a replayed callback) finds nothing. */
  async function takePendingFlow(request: FastifyRequest): Promise<PendingSignIn | undefined> {
    const token = readCookie(request.headers.cookie, OIDC_FLOW_COOKIE);
    if (token === undefined || !token.startsWith(`${OIDC_FLOW_PREFIX}_`)) return undefined;
    const hash = ctx.tokens.hashToken(token);
    if (hash === undefined) return undefined;
    // take is atomic in memory and in Redis: of two concurrent callbacks with this cookie, one gets the flow.
    const stored = await ctx.state.take(flowKey(hash));
    if (stored === null) return undefined;
    const pending = JSON.parse(stored) as PendingSignIn;
    const complete = [pending.state, pending.nonce, pending.codeVerifier].every((value) => typeof value === 'string');
    return complete ? pending : undefined;
  }

  app.get(
    OIDC_CALLBACK_PATH,
    {
      schema: {
        summary: 'Where the OpenID Connect provider sends the browser back (redirects to the dashboard)',
        tags: ['accounts'],
        querystring: CallbackQuery,
        response: { 302: Type.Null(), 404: Type.Object({ error: Type.String() }) },
      },
    },
    async (request, reply) => {
      const client = requireConfigured();
      noStore(reply);
      // Fastify appends each set-cookie header; the flow cookie is spent whatever happens next.
      reply.header('set-cookie', clearCookie(OIDC_FLOW_COOKIE, { secure, path: OIDC_FLOW_COOKIE_PATH }));

      const pending = await takePendingFlow(request);
      if (pending === undefined) {
        return loginError(reply, 'This sign-in expired or was started in another browser; start it again');
      }
      let identity: OidcIdentity;
      try {
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        identity = await client.finish(new URL(`${redirectUri}${query}`), pending);
      } catch (error) {
        if (!(error instanceof OidcError)) throw error;
        request.log.warn({ reason: error.reason, detail: error.message }, 'OpenID Connect sign-in failed');
        return loginError(reply, messageFor(error));
      }

      let user: User;
      try {
        user = await resolveUser(request, identity);
      } catch (error) {
        if (!(error instanceof SignInRefused)) throw error;
        request.log.info({ reason: error.reason, userId: error.user?.id }, 'OpenID Connect sign-in refused');
        if (error.user !== undefined) {
          await ctx.audit.record(request, {
            userId: error.user.id,
            action: 'login.failed',
            details: { method: 'oidc', reason: error.reason },
          });
        }
        return loginError(reply, error.message);
      }

      // The provider's sign-in is one factor. An account that turned on Sightline's two-factor authentication asked
      // for it on every sign-in; a compromised provider account must not bypass it. So OIDC leads to the same TOTP
      // step as the password (contract: `sl_mfa` cookie, then POST /api/auth/login/mfa).
      if (mfaEnabled(user)) {
        const { token, hash } = ctx.tokens.newToken(TOKEN_PREFIXES.mfaChallenge);
        await ctx.state.set(mfaChallengeKey(hash), String(user.id), MFA_CHALLENGE_TTL_MS);
        reply.header(
          'set-cookie',
          serializeCookie(MFA_COOKIE, token, { secure, maxAgeSeconds: MFA_CHALLENGE_TTL_MS / 1000 }),
        );
        request.log.info({ userId: user.id }, 'OpenID Connect sign-in waits for the second factor');
        return reply.redirect(`${basePath}/login?mfa=1`, 302);
      }

      // Same session start as a password sign-in: the browser's previous session (another account's, or a fixated
      // one) is ended, a new one is made.
      await accountServiceFor(ctx).startSession(request, reply, user);
      // A complete sign-in starts the lockout count again (as a password sign-in does).
      if (user.failedLogins !== 0 || user.lockedUntil !== null) {
        await ctx.meta.users.update(user.id, { failedLogins: 0, lockedUntil: null });
      }
      await ctx.audit.record(request, { userId: user.id, action: 'login.succeeded', details: { method: 'oidc' } });
      return reply.redirect(`${basePath}/`, 302);
    },
  );

  /**
   * The account an identity signs in to: the one it is linked to; else the account with its email, linked now, if
   * both the provider and Sightline have verified that address; else a new account when registration is open.
   * Throws SignInRefused for everything else.
   */
  async function resolveUser(request: FastifyRequest, identity: OidcIdentity): Promise<User> {
    const linkedId = await ctx.meta.oidcIdentities.findUserId(identity.issuer, identity.subject);
    if (linkedId !== undefined) {
      const linked = await ctx.meta.users.findById(linkedId);
      if (linked !== undefined) return refuseIfLocked(linked);
    }

    const email = identity.email === undefined ? undefined : normalizeEmail(identity.email);
    if (email === undefined) {
      throw new SignInRefused(
        `${providerName} did not share a usable email address; allow access to your email and try again`,
        'no_email',
      );
    }
    const existing = await ctx.meta.users.findByEmail(email);
    if (existing !== undefined) {
      // Linking trusts the provider's word that this person owns the address: never on an unverified one.
      if (!identity.emailVerified) {
        throw new SignInRefused(
          `${providerName} has not verified this email address; verify it there, or sign in with your password`,
          'email_not_verified_by_provider',
          existing,
        );
      }
      // An account whose address was never verified here may have been created by someone else with this address
      // (account pre-hijacking): linking would let its creator in alongside the real owner. The owner verifies first.
      if (existing.emailVerifiedAt === null) {
        throw new SignInRefused(
          'An account with this email exists but its address is not verified yet; sign in with the password and verify it, or reset the password',
          'email_not_verified_locally',
          existing,
        );
      }
      refuseIfLocked(existing);
      await ctx.meta.oidcIdentities.link(identity.issuer, identity.subject, existing.id);
      await ctx.audit.record(request, {
        userId: existing.id,
        action: 'oidc.linked',
        details: { method: 'oidc', issuer: identity.issuer },
      });
      return existing;
    }

    if ((await ctx.meta.users.count()) === 0) {
      throw new SignInRefused(
        `This instance has no account yet; create the first one on the setup page before signing in with ${providerName}`,
        'setup_required',
      );
    }
    if (config.registration !== 'open') {
      throw new SignInRefused(
        config.registration === 'invite'
          ? 'No account uses this email address; new accounts need an invitation to a site'
          : 'No account uses this email address, and this instance does not accept new accounts',
        'no_account',
      );
    }
    if (!identity.emailVerified) {
      throw new SignInRefused(
        `${providerName} has not verified this email address; verify it there and try again`,
        'email_not_verified_by_provider',
      );
    }
    let created: User;
    try {
      created = await ctx.meta.users.create({
        email,
        name: identity.name ?? email.slice(0, email.indexOf('@')),
        passwordHash: null,
        emailVerifiedAt: new Date(ctx.now()),
      });
    } catch (error) {
      // Two callbacks for one new person at once: the other created the account; link to it the normal way.
      if (error instanceof DuplicateEmailError) {
        const raced = await ctx.meta.users.findByEmail(email);
        if (raced !== undefined && raced.emailVerifiedAt !== null) {
          await ctx.meta.oidcIdentities.link(identity.issuer, identity.subject, raced.id);
          return raced;
        }
      }
      throw error;
    }
    await ctx.meta.oidcIdentities.link(identity.issuer, identity.subject, created.id);
    await ctx.audit.record(request, {
      userId: created.id,
      action: 'account.created',
      details: { method: 'oidc', issuer: identity.issuer },
    });
    return created;
  }

  function refuseIfLocked(user: User): User {
    if (user.lockedUntil !== null && user.lockedUntil.getTime() > ctx.now()) {
      throw new SignInRefused(
        `This account is locked after too many failed sign-ins; try again after ${user.lockedUntil.toISOString()} or reset the password`,
        'locked',
        user,
      );
    }
    return user;
  }
}

/** Redirects that carry sign-in state must not be cached by the browser or a proxy. */
function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}
