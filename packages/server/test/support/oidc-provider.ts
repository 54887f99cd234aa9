import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider ships no type declarations; tests use the few members below.
// @ts-expect-error -- untyped package
import Provider from 'oidc-provider';

/** What the test provider says about one of its users. */
export interface ProviderAccount {
  email: string;
  emailVerified: boolean;
  name?: string;
}

export interface TestProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /**
   * How the client must authenticate at the token endpoint (`client_secret_basic` by default, like most providers).
   * oidc-provider itself accepts either secret method from a client registered with one; `client_secret_post` here
   * also answers Basic credentials with `invalid_client`, as Auth0 does for applications set to "Post".
   */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /**
   * Put the scope's claims (email, name) into the ID token too, as Google does. Off: only the UserInfo endpoint has
   * them, which is oidc-provider's default and what several providers do.
   */
  claimsInIdToken?: boolean;
}

/** A real OpenID Connect provider (npm `oidc-provider`) listening on 127.0.0.1, with its dev login and consent pages. */
export interface TestProvider {
  issuer: string;
  /** Adds or replaces a user; the dev login form signs in as whatever account id is typed. */
  setAccount(accountId: string, account: ProviderAccount): void;
  /** Requests the provider served, by path (to see discovery caching). */
  requests(): string[];
  close(): Promise<void>;
}

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const accounts = new Map<string, ProviderAccount>();
  const seen: string[] = [];
  const strictPost = options.tokenEndpointAuthMethod === 'client_secret_post';
  let handler:
    | ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)
    | undefined;
  // Listen first: the issuer URL (with its port) must be known before the provider is constructed.
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    seen.push(path);
    if (strictPost && path === '/token' && req.headers.authorization?.startsWith('Basic ')) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client' }));
    } else if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
      },
    ],
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts.get(id);
      if (account === undefined) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: account.emailVerified, name: account.name };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: options.claimsInIdToken !== true,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    jwks: {
      keys: [
        { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig' },
      ],
    },
    // Explicit lifetimes (oidc-provider notes every default it falls back to).
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
  });
  // oidc-provider prints a warning per dev-only feature; the tests know.
  handler = provider.callback();

  return {
    issuer,
    setAccount: (id, account) => accounts.set(id, account),
    requests: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A browser for tests: follows nothing by itself (each redirect is a step the test sees), keeps cookies per host and
 * path the way a browser does, and submits the provider's HTML forms.
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  /** GET (or POST a form to) a URL and store the cookies it sets. */
  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Sightline-OIDC-test' };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = target.origin;
    }
    const response = await fetch(target, { method: form ? 'POST' : 'GET', headers, body, redirect: 'manual' });
    this.store(target, response.headers.getSetCookie());
    return response;
  }

  /** A cookie's current value for a URL, as the browser would send it. */
  cookie(url: string, name: string): string | undefined {
    const target = new URL(url);
    const entry = this.jar.get(target.host)?.get(name);
    return entry && target.pathname.startsWith(entry.path) ? entry.value : undefined;
  }

  /** Sets a cookie by hand (a tampering test). */
  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map();
    cookies.set(name, { value, path });
    this.jar.set(host, cookies);
  }

  private cookieHeader(target: URL): string {
    const cookies = this.jar.get(target.host);
    if (!cookies) return '';
    return [...cookies.entries()]
      .filter(([, entry]) => target.pathname.startsWith(entry.path))
      .map(([name, entry]) => `${name}=${entry.value}`)
      .join('; ');
  }

  private store(target: URL, setCookies: string[]): void {
    const cookies = this.jar.get(target.host) ?? new Map();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = attributeValue;
        if (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (key.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      if (expired) cookies.delete(name);
      else cookies.set(name, { value, path });
    }
    this.jar.set(target.host, cookies);
  }
}

/** The `action` of the first form on an HTML page, resolved against the page URL. */
export function formAction(html: string, pageUrl: string): string {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no form on ${pageUrl}:\n${html.slice(0, 500)}`);
  return new URL(match[1].replace(/&amp;/g, '&'), pageUrl).toString();
}

/** Absolute URL of a redirect's Location. */
export function locationOf(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (location === null) throw new Error(`expected a redirect from ${base}, got ${response.status}`);
  return new URL(location, base).toString();
}

/**
 * Walks a browser from the provider's authorization URL through the dev login and consent pages, as a person would,
 * and returns the redirect back to the client (the callback URL with `code` and `state`).
 */
export async function signInAtProvider(browser: TestBrowser, authorizationUrl: string, login: string): Promise<string> {
  let url = authorizationUrl;
  for (let step = 0; step < 12; step++) {
    const response = await browser.request(url);
    if (response.status >= 300 && response.status < 400) {
      const next = locationOf(response, url);
      if (!next.startsWith(new URL(authorizationUrl).origin)) return next;
      url = next;
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status} at ${url}:\n${html}`);
    const action = formAction(html, url);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const submitted = await browser.request(
      action,
      prompt === 'login' ? { prompt, login, password: 'any password' } : { prompt: prompt ?? 'consent' },
    );
    url = locationOf(submitted, action);
  }
  throw new Error('the provider did not redirect back to the client');
}
