import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  type TestProvider,
} from '../../test/support/oidc-provider.js';
import { freePort } from '../../test/support/server.js';
import { createOidcClient, nameFrom, OidcError, verifiedClaim } from './oidc.js';

const CLIENT_ID = 'sightline-unit';
const CLIENT_SECRET = 'unit-client-secret-0123456789abcdef';
/** Never fetched: the provider only compares it, and the tests stop when the browser is sent there. */
const REDIRECT_URI = 'http://127.0.0.1:9/api/auth/oidc/callback';

let provider: TestProvider;

beforeAll(async () => {
  provider = await startTestProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
  provider.setAccount('ada', { email: 'Ada@Example.com', emailVerified: true, name: 'Ada Lovelace' });
  provider.setAccount('bob', { email: 'bob@example.com', emailVerified: false });
});

afterAll(async () => {
  await provider?.close();
});

function newClient(issuer = provider.issuer) {
  return createOidcClient({ issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
}

async function failure(promise: Promise<unknown>): Promise<OidcError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OidcError);
  return error as OidcError;
}

describe('OpenID Connect client against a real provider', () => {
  it('sends the browser with PKCE S256, the scopes, and a fresh state and nonce each time', async () => {
    const oidc = newClient();
    const first = await oidc.start();
    const second = await oidc.start();
    const params = first.authorizationUrl.searchParams;
    expect(first.authorizationUrl.origin).toBe(provider.issuer);
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('code_challenge')).not.toBe(first.pending.codeVerifier);
    expect(params.get('state')).toBe(first.pending.state);
    expect(params.get('nonce')).toBe(first.pending.nonce);
    expect(second.pending.state).not.toBe(first.pending.state);
    expect(second.pending.nonce).not.toBe(first.pending.nonce);
    expect(second.pending.codeVerifier).not.toBe(first.pending.codeVerifier);
  });

  it('fetches discovery once and reuses it', async () => {
    const before = provider.requests().filter((path) => path === '/.well-known/openid-configuration').length;
    const oidc = newClient();
    await oidc.start();
    await oidc.start();
    await oidc.start();
    const after = provider.requests().filter((path) => path === '/.well-known/openid-configuration').length;
    expect(after - before).toBe(1);
  });

  it('completes the code flow and reads email and name from UserInfo when the ID token has none', async () => {
    const oidc = newClient();
    const { authorizationUrl, pending } = await oidc.start();
    const callback = await signInAtProvider(new TestBrowser(), authorizationUrl.toString(), 'ada');
    expect(callback.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    const identity = await oidc.finish(new URL(callback), pending);
    expect(identity).toEqual({
      issuer: provider.issuer,
      subject: 'ada',
      email: 'Ada@Example.com',
      emailVerified: true,
      name: 'Ada Lovelace',
    });
  });

  it('reports an unverified email as unverified', async () => {
    const oidc = newClient();
    const { authorizationUrl, pending } = await oidc.start();
    const callback = await signInAtProvider(new TestBrowser(), authorizationUrl.toString(), 'bob');
    const identity = await oidc.finish(new URL(callback), pending);
    expect(identity.email).toBe('bob@example.com');
    expect(identity.emailVerified).toBe(false);
    expect(identity.name).toBeUndefined();
  });

  it('refuses an answer whose state is not the one sent', async () => {
    const oidc = newClient();
    const { authorizationUrl, pending } = await oidc.start();
    const callback = new URL(await signInAtProvider(new TestBrowser(), authorizationUrl.toString(), 'ada'));
    callback.searchParams.set('state', 'forged-state');
    expect((await failure(oidc.finish(callback, pending))).reason).toBe('state_mismatch');
  });

  it('refuses an ID token minted for another nonce (a replayed or injected code)', async () => {
    const oidc = newClient();
    const { authorizationUrl, pending } = await oidc.start();
    const callback = await signInAtProvider(new TestBrowser(), authorizationUrl.toString(), 'ada');
    const error = await failure(oidc.finish(new URL(callback), { ...pending, nonce: 'another-nonce' }));
    expect(error.reason).toBe('invalid_response');
  });

  it('refuses a code without its PKCE verifier, and a code used twice', async () => {
    const oidc = newClient();
    const { authorizationUrl, pending } = await oidc.start();
    const callback = new URL(await signInAtProvider(new TestBrowser(), authorizationUrl.toString(), 'ada'));
    const wrongVerifier = await failure(oidc.finish(callback, { ...pending, codeVerifier: 'x'.repeat(43) }));
    expect(wrongVerifier.reason).toBe('rejected');
    expect(wrongVerifier.providerError).toBe('invalid_grant');

    const next = await oidc.start();
    const nextCallback = new URL(await signInAtProvider(new TestBrowser(), next.authorizationUrl.toString(), 'ada'));
    await oidc.finish(nextCallback, next.pending);
    const replay = await failure(oidc.finish(nextCallback, next.pending));
    expect(replay.reason).toBe('rejected');
    expect(replay.providerError).toBe('invalid_grant');
  });

  it('tells a cancelled sign-in from other provider errors', async () => {
    const oidc = newClient();
    const { pending } = await oidc.start();
    const cancelled = new URL(REDIRECT_URI);
    cancelled.search = new URLSearchParams({
      error: 'access_denied',
      state: pending.state,
      iss: provider.issuer,
    }).toString();
    const error = await failure(oidc.finish(cancelled, pending));
    expect(error.reason).toBe('cancelled');
    expect(error.providerError).toBe('access_denied');

    const refused = new URL(REDIRECT_URI);
    refused.search = new URLSearchParams({
      error: 'server_error',
      state: pending.state,
      iss: provider.issuer,
    }).toString();
    expect((await failure(oidc.finish(refused, pending))).reason).toBe('refused');
  });

  it('says a provider that is down is unreachable, and tries again on the next sign-in', async () => {
    const port = await freePort();
    const oidc = newClient(`http://127.0.0.1:${port}`);
    expect((await failure(oidc.start())).reason).toBe('unreachable');
    expect((await failure(oidc.start())).reason).toBe('unreachable');
  });
});

describe('client authentication at the token endpoint', () => {
  let postProvider: TestProvider;

  beforeAll(async () => {
    postProvider = await startTestProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      tokenEndpointAuthMethod: 'client_secret_post',
      claimsInIdToken: true,
    });
    postProvider.setAccount('cy', { email: 'cy@example.com', emailVerified: true, name: 'Cy' });
  });

  afterAll(async () => {
    await postProvider?.close();
  });

  it('falls back to client_secret_post for a client registered that way, and reads claims from the ID token', async () => {
    const oidc = newClient(postProvider.issuer);
    const { authorizationUrl, pending } = await oidc.start();
    const callback = await signInAtProvider(new TestBrowser(), authorizationUrl.toString(), 'cy');
    const identity = await oidc.finish(new URL(callback), pending);
    expect(identity).toMatchObject({ subject: 'cy', email: 'cy@example.com', emailVerified: true, name: 'Cy' });
    // The claims came in the ID token: UserInfo (oidc-provider's /me) was never asked.
    expect(postProvider.requests()).not.toContain('/me');

    // The method that worked is remembered: the next exchange is one request, not a refused one and a retry.
    const tokenRequests = () => postProvider.requests().filter((path) => path === '/token').length;
    const before = tokenRequests();
    const next = await oidc.start();
    const nextCallback = await signInAtProvider(new TestBrowser(), next.authorizationUrl.toString(), 'cy');
    await oidc.finish(new URL(nextCallback), next.pending);
    expect(tokenRequests() - before).toBe(1);
  });
});

describe('claims', () => {
  it('counts only true (or Cognito\'s "true") as a verified email', () => {
    expect(verifiedClaim(true)).toBe(true);
    expect(verifiedClaim('true')).toBe(true);
    for (const value of [false, 'false', 1, 'yes', undefined, null, {}]) expect(verifiedClaim(value)).toBe(false);
  });

  it('takes a display name from name, given and family name, or the username, capped and without controls', () => {
    expect(nameFrom({ name: ' Ada Lovelace ' })).toBe('Ada Lovelace');
    expect(nameFrom({ given_name: 'Ada', family_name: 'Lovelace' })).toBe('Ada Lovelace');
    expect(nameFrom({ preferred_username: 'ada' })).toBe('ada');
    expect(nameFrom({ name: 'Evil\r\nBcc: x' })).toBe('EvilBcc: x');
    expect(nameFrom({ name: 'x'.repeat(300) })).toHaveLength(100);
    expect(nameFrom({ name: 42 })).toBeUndefined();
    expect(nameFrom({})).toBeUndefined();
  });
});
