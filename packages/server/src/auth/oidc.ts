import * as client from 'openid-client';
import { constantTimeEqual } from './constant-time.js';

/**
 * Sign-in through an OpenID Connect provider (Google, Microsoft Entra, Keycloak, Authentik, Okta, …): the
 * authorization code flow with PKCE (S256), `state` and `nonce`, on npm `openid-client`, which checks the ID token's
 * issuer, audience, nonce and lifetime. This module only talks to the provider; who the identity is at Sightline
 * (linking, accounts, sessions) is decided by the routes (api/oidc-routes.ts).
 */

export const OIDC_SCOPE = 'openid email profile';
/** Discovered provider metadata is reused this long, then fetched again on the next sign-in. */
const METADATA_MAX_AGE_MS = 24 * 60 * 60_000;
/** When a refresh fails, the known metadata is used this much longer before the next attempt. */
const STALE_RETRY_MS = 5 * 60_000;
/** Each request to the provider gives up after this long: a hung provider must not hold a sign-in for minutes. */
const REQUEST_TIMEOUT_SECONDS = 10;
const MAX_NAME_LENGTH = 100;

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** BASE_URL/api/auth/oidc/callback: registered at the provider, sent with every request, compared there exactly. */
  redirectUri: string;
  timeoutSeconds?: number;
  metadataMaxAgeMs?: number;
  now?: () => number;
}

/** What must survive, server-side only, from the redirect to the provider until its answer comes back. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who the provider says signed in. */
export interface OidcIdentity {
  /** The ID token's `iss` (equal to the discovered issuer); with `subject` the stable key of the identity. */
  issuer: string;
  subject: string;
  /** As the provider sent it; undefined when it shared none. Normalise before use. */
  email: string | undefined;
  /** True only when the provider asserts `email_verified`. */
  emailVerified: boolean;
  /** A display name from the claims, if any. */
  name: string | undefined;
}

/**
 * Why a sign-in at the provider did not produce an identity. `message` is safe to log (no tokens, codes or secrets);
 * users are shown a short text chosen by the routes from `reason`.
 */
export type OidcFailureReason =
  /** Discovery or the token endpoint could not be reached, timed out, or answered with something other than OAuth. */
  | 'unreachable'
  /** The person cancelled or refused at the provider (`error=access_denied`). */
  | 'cancelled'
  /** The provider answered the authorization request with another error. */
  | 'refused'
  /** `state` in the answer is not the one this browser was sent with. */
  | 'state_mismatch'
  /** The token endpoint refused the code (expired, used twice, wrong client credentials). */
  | 'rejected'
  /** The answer failed validation: ID token issuer, audience, nonce, lifetime, or a malformed response. */
  | 'invalid_response';

export class OidcError extends Error {
  override name = 'OidcError';
  constructor(
    readonly reason: OidcFailureReason,
    message: string,
    /** The provider's OAuth error code, when it sent one (e.g. `access_denied`, `invalid_grant`). */
    readonly providerError?: string,
  ) {
    super(message);
  }
}

export interface OidcClient {
  /** Where to send the browser, and the checks to keep server-side until it returns. Fetches discovery if needed. */
  start(): Promise<{ authorizationUrl: URL; pending: PendingSignIn }>;
  /**
   * Validates the provider's answer (`callbackUrl` = the redirect URI with the query the browser brought back) against
   * the pending checks, exchanges the code and returns the identity. Throws `OidcError`.
   */
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<OidcIdentity>;
}

interface Discovered {
  /** Client authentication at the token endpoint, in the order to try. */
  configurations: client.Configuration[];
  fetchedAt: number;
}

/**
 * @example
 * const oidc = createOidcClient({ issuer, clientId, clientSecret, redirectUri: `${publicUrl}/api/auth/oidc/callback` });
 * const { authorizationUrl, pending } = await oidc.start(); // keep `pending` server-side, redirect to the URL
 * const identity = await oidc.finish(new URL(`${redirectUri}?${query}`), pending);
 */
export function createOidcClient(options: OidcClientOptions): OidcClient {
  const now = options.now ?? Date.now;
  const maxAge = options.metadataMaxAgeMs ?? METADATA_MAX_AGE_MS;
  const timeout = options.timeoutSeconds ?? REQUEST_TIMEOUT_SECONDS;
  const issuer = new URL(options.issuer);
  // Plain HTTP only when the operator configured an http:// issuer (a provider on the same host or private network);
  // openid-client refuses it otherwise, which is right for anything on the internet.
  const insecure = issuer.protocol === 'http:';
  let discovered: Promise<Discovered> | undefined;

  function discover(): Promise<Discovered> {
    const current = discovered;
    if (current === undefined) return refresh(undefined);
    return current.then((value) => {
      if (now() - value.fetchedAt < maxAge) return value;
      return discovered === current ? refresh(value) : discover();
    });
  }

  /**
   * Fetches the provider metadata. A failure is not cached (the next sign-in tries again: the provider may be back),
   * except that metadata already known stays in use when a periodic refresh fails.
   */
  function refresh(previous: Discovered | undefined): Promise<Discovered> {
    const attempt = (async (): Promise<Discovered> => {
      try {
        const configuration = await client.discovery(issuer, options.clientId, options.clientSecret, undefined, {
          timeout,
          execute: insecure ? [client.allowInsecureRequests] : [],
        });
        return { configurations: clientAuthentications(configuration), fetchedAt: now() };
      } catch (error) {
        // Try again in a few minutes, not in a day.
        if (previous !== undefined)
          return { ...previous, fetchedAt: now() - maxAge + Math.min(maxAge, STALE_RETRY_MS) };
        throw new OidcError('unreachable', `OpenID Connect discovery at ${issuer.href} failed: ${describe(error)}`);
      }
    })();
    discovered = attempt;
    attempt.catch(() => {
      if (discovered === attempt) discovered = undefined;
    });
    return attempt;
  }

  /**
   * The provider decides per client how it must authenticate; discovery only lists what the provider supports.
   * `client_secret_basic` is the standard default (OpenID Connect Discovery) and what Google, Entra and Keycloak
   * accept; some (Auth0 applications by default) insist on `client_secret_post`. When both are listed, basic is tried
   * first and post after an `invalid_client`: client authentication is checked before the code, so the code is
   * still unused on the second try.
   */
  function clientAuthentications(discoveredConfig: client.Configuration): client.Configuration[] {
    const metadata = discoveredConfig.serverMetadata();
    const supported = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    const methods: Array<() => client.ClientAuth> = [];
    if (supported.includes('client_secret_basic')) methods.push(() => client.ClientSecretBasic(options.clientSecret));
    if (supported.includes('client_secret_post')) methods.push(() => client.ClientSecretPost(options.clientSecret));
    if (methods.length === 0) methods.push(() => client.ClientSecretBasic(options.clientSecret));
    return methods.map((method) => {
      const configuration = new client.Configuration(metadata, options.clientId, options.clientSecret, method());
      configuration.timeout = timeout;
      if (insecure) client.allowInsecureRequests(configuration);
      return configuration;
    });
  }

  return {
    async start() {
      const { configurations } = await discover();
      const configuration = configurations[0] as client.Configuration;
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const authorizationUrl = client.buildAuthorizationUrl(configuration, {
        redirect_uri: options.redirectUri,
        scope: OIDC_SCOPE,
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { authorizationUrl, pending };
    },

    async finish(callbackUrl, pending) {
      // Checked here first (in constant time) so a forged or crossed answer gets its own reason; openid-client
      // checks it again below.
      const state = callbackUrl.searchParams.get('state');
      if (state === null || !constantTimeEqual(state, pending.state)) {
        throw new OidcError('state_mismatch', 'the state in the provider answer does not match this sign-in');
      }
      const { configurations } = await discover();
      const checks: client.AuthorizationCodeGrantChecks = {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.codeVerifier,
        idTokenExpected: true,
      };
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>> | undefined;
      let configuration = configurations[0] as client.Configuration;
      for (const [index, candidate] of configurations.entries()) {
        configuration = candidate;
        try {
          tokens = await client.authorizationCodeGrant(candidate, callbackUrl, checks);
          // Remember what this provider accepts: later sign-ins use it first.
          if (index > 0) configurations.unshift(...configurations.splice(index, 1));
          break;
        } catch (error) {
          const last = index === configurations.length - 1;
          if (!last && error instanceof client.ResponseBodyError && error.error === 'invalid_client') continue;
          throw toOidcError(error);
        }
      }
      const claims = tokens?.claims();
      if (tokens === undefined || claims === undefined) {
        throw new OidcError('invalid_response', 'the token response carried no ID token');
      }
      let email = stringClaim(claims.email);
      let emailVerified = verifiedClaim(claims.email_verified);
      let name = nameFrom(claims);
      // Many providers (and oidc-provider by default) keep scope claims out of the ID token: ask UserInfo for them.
      // fetchUserInfo checks that its `sub` is the ID token's.
      if (email === undefined) {
        try {
          const info = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
          email = stringClaim(info.email);
          emailVerified = verifiedClaim(info.email_verified);
          name ??= nameFrom(info);
        } catch (error) {
          throw toOidcError(error);
        }
      }
      return { issuer: claims.iss, subject: claims.sub, email, emailVerified, name };
    },
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `true`, or the string "true" that some providers (Amazon Cognito) send; anything else is not verified. */
export function verifiedClaim(value: unknown): boolean {
  return value === true || value === 'true';
}

/** A display name from standard claims, capped; undefined when the provider shared none. */
export function nameFrom(claims: Record<string, unknown>): string | undefined {
  const full = stringClaim(claims.name);
  const parts = [stringClaim(claims.given_name), stringClaim(claims.family_name)].filter(Boolean).join(' ');
  const name = full ?? (parts === '' ? undefined : parts) ?? stringClaim(claims.preferred_username);
  // Control characters would end up in mail subjects and the audit page.
  const clean = name?.replace(/\p{Cc}/gu, '').trim();
  return clean ? [...clean].slice(0, MAX_NAME_LENGTH).join('') : undefined;
}

/** Maps openid-client's and fetch's failures onto reasons, with a log-safe message (no tokens, codes, bodies). */
export function toOidcError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    const code = safeCode(error.error);
    return new OidcError(
      code === 'access_denied' ? 'cancelled' : 'refused',
      `the provider answered the authorization request with ${code}`,
      code,
    );
  }
  if (error instanceof client.ResponseBodyError) {
    const code = safeCode(error.error);
    return new OidcError('rejected', `the provider's ${error.status} response was ${code}`, code);
  }
  if (isNetworkError(error))
    return new OidcError('unreachable', `the provider could not be reached: ${describe(error)}`);
  const code = (error as { code?: unknown }).code;
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    return new OidcError('unreachable', `the provider answered unexpectedly: ${describe(error)}`);
  }
  return new OidcError('invalid_response', `the provider's answer failed validation: ${describe(error)}`);
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  // Node's fetch: TypeError('fetch failed') with the socket error as cause.
  return error instanceof TypeError && error.message === 'fetch failed';
}

/** OAuth error codes are short ASCII words; anything else from a provider is not repeated. */
function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(code) ? code : 'an unrecognised error';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause =
    error.cause instanceof Error ? ` (${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message})` : '';
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`.slice(0, 300);
}
