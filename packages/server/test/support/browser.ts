/** Desktop Chrome on macOS, as the sessions page should read it back. */
export const CHROME_MAC_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const FIREFOX_WINDOWS_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

export interface BrowserResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies of many shapes
  body: any;
  headers: Headers;
  setCookies: string[];
}

/**
 * A browser in tests: keeps the cookies the server sets (honouring Max-Age=0), and sends what a same-origin page
 * of the dashboard would: Origin, a user agent, and (through X-Forwarded-For, with TRUST_PROXY on) its own IP.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly options: { ip?: string; userAgent?: string; origin?: string } = {},
  ) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<BrowserResponse> {
    const sent: Record<string, string> = {
      origin: this.options.origin ?? this.base,
      'user-agent': this.options.userAgent ?? CHROME_MAC_UA,
      ...(this.options.ip ? { 'x-forwarded-for': this.options.ip } : {}),
      ...headers,
    };
    if (this.cookies.size > 0 && sent.cookie === undefined) sent.cookie = this.cookieHeader;
    if (body !== undefined) sent['content-type'] ??= 'application/json';
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookies = response.headers.getSetCookie();
    for (const cookie of setCookies) {
      const [pair = '', ...attributes] = cookie.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const removed = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === '';
      if (removed) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: response.status, body: parsed, headers: response.headers, setCookies };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }

  post(path: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }
}
