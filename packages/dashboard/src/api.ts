/**
 * The typed client for Sightline's HTTP API (the contract in the repository's api-contract, the same API anyone can
 * use). Every request is same-origin with `credentials: 'same-origin'`: the session lives in an HttpOnly cookie that
 * scripts never see, and browsers add `Sec-Fetch-Site: same-origin`, which is what the server's CSRF check wants.
 * Nothing here stores a token anywhere.
 */

export type Role = 'owner' | 'admin' | 'viewer';
export type Registration = 'closed' | 'invite' | 'open';

export interface Me {
  id: number;
  email: string;
  name: string;
  emailVerified: boolean;
  mfaEnabled: boolean;
  isInstanceOwner: boolean;
  hasPassword: boolean;
  createdAt: string;
}

export interface AuthState {
  setupRequired: boolean;
  registration: Registration;
  oidc: { enabled: boolean; name: string };
  smtpConfigured: boolean;
  user: Me | null;
}

export interface SiteSummary {
  id: number;
  domain: string;
  name: string;
  timezone: string;
  isPublic: boolean;
  role: Role;
  createdAt: string;
}

export interface Snippet {
  html: string;
  scriptUrl: string;
  integrity: string;
}

export interface Installation {
  installed: boolean;
  firstEventAt: string | null;
  lastEventAt: string | null;
}

export interface SiteActivity {
  visitors24h: number;
  series: number[];
}

export interface Member {
  userId: number;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

export interface Invitation {
  id: number;
  email: string;
  role: Exclude<Role, 'owner'>;
  expiresAt: string;
  createdAt: string;
}

export interface InvitationLookup {
  siteDomain: string;
  role: Exclude<Role, 'owner'>;
  email: string;
  accountExists: boolean;
}

export interface ShareLink {
  id: number;
  name: string;
  slug: string;
  url: string;
  hasPassword: boolean;
  createdAt: string;
}

export type ShieldKind = 'ip' | 'country' | 'path' | 'hostname';
export interface Shield {
  id: number;
  kind: ShieldKind;
  value: string;
  description: string | null;
  createdAt: string;
}

export interface Goal {
  id: number;
  kind: 'pageview' | 'event';
  pathPattern: string | null;
  eventName: string | null;
  displayName: string;
  createdAt: string;
}

export interface Funnel {
  id: number;
  name: string;
  steps: string[];
  createdAt: string;
}

export interface IngestKey {
  id: number;
  name: string;
  prefix: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  usageCount: number;
  rateLimitPerMinute: number | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface LoginSession {
  id: string;
  current: boolean;
  browser: string;
  os: string;
  device: string;
  country: string;
  createdAt: string;
  lastSeenAt: string;
}

export interface AuditEntry {
  id: number;
  action: string;
  ip: string | null;
  country: string | null;
  browser: string | null;
  os: string | null;
  details: unknown;
  createdAt: string;
}

export type ApiKeyScope = 'stats:read' | 'sites:read' | 'sites:write';
export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface MfaSetup {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

// ---- stats ---------------------------------------------------------------------------------------------------------

export type Metric =
  | 'visitors'
  | 'visits'
  | 'pageviews'
  | 'views_per_visit'
  | 'bounce_rate'
  | 'visit_duration'
  | 'events'
  | 'percentage'
  | 'conversion_rate'
  | 'group_conversion_rate'
  | 'scroll_depth'
  | 'time_on_page'
  | 'exit_rate'
  | 'total_revenue'
  | 'average_revenue';

export type FilterOperator = 'is' | 'is_not' | 'contains' | 'contains_not' | 'matches' | 'matches_not';
export type ApiFilter =
  | [FilterOperator, string, string[]]
  | [FilterOperator, string, string[], { case_sensitive: boolean }]
  | ['and' | 'or', ApiFilter[]]
  | ['not', ApiFilter];

export type DateRange = string | [string, string];

export interface StatsQueryBody {
  site_id: string;
  metrics: Metric[];
  date_range: DateRange;
  dimensions?: string[];
  filters?: ApiFilter[];
  order_by?: [string, 'asc' | 'desc'][];
  include?: {
    total_rows?: boolean;
    time_labels?: boolean;
    comparisons?: { mode: 'previous_period' | 'year_over_year' | 'custom'; date_range?: [string, string] };
  };
  pagination?: { limit: number; offset?: number };
}

export interface StatsRow {
  dimensions: string[];
  metrics: number[];
  comparison?: { dimensions: string[]; metrics: number[]; change: (number | null)[] };
}

export interface StatsResponse {
  results: StatsRow[];
  meta: { time_labels?: string[]; total_rows?: number };
  query: { date_range: [string, string]; comparison_date_range?: [string, string]; metrics: Metric[] };
}

export interface Realtime {
  visitors: number;
  series: { minute: string; visitors: number; pageviews: number }[];
  pages: { page: string; visitors: number }[];
  sources: { source: string; visitors: number }[];
}

export interface FunnelStep {
  goal: string;
  visitors: number;
  dropoff: number;
  dropoffPercentage: number;
  conversionRate: number;
}

export interface FunnelResult {
  date_range: [string, string];
  steps: FunnelStep[];
}

export interface SiteContext {
  site: { id: number; domain: string; name: string; timezone: string };
  goals: Goal[];
  funnels: Funnel[];
  role: Role | 'public';
}

export interface ShareInfo {
  site: { domain: string; name: string; timezone: string };
  passwordRequired: boolean;
}

// ---- transport -----------------------------------------------------------------------------------------------------

/** A request the server refused or could not answer; `message` is written for the person using the dashboard. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener | undefined;
/** Called when a signed-in request answers 401 (the session expired or was revoked elsewhere). */
export function setUnauthorizedListener(listener: UnauthorizedListener | undefined): void {
  onUnauthorized = listener;
}

interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Auth routes answer 401 for a wrong password: that is not a lost session. */
  expectUnauthorized?: boolean;
}

async function send(method: string, path: string, body: unknown, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'Could not reach the Sightline server. Check your connection and try again.');
  }
  if (response.ok) return response;
  throw await errorFrom(response, options);
}

async function errorFrom(response: Response, options: RequestOptions): Promise<ApiError> {
  let message = '';
  try {
    const parsed = (await response.json()) as { error?: unknown };
    if (typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // Not our JSON (a proxy's error page): fall back to a message by status below.
  }
  const retryHeader = Number(response.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retryHeader) && retryHeader > 0 ? retryHeader : undefined;
  if (response.status === 401 && !options.expectUnauthorized) onUnauthorized?.();
  if (message === '') message = fallbackMessage(response.status, retryAfter);
  else if (response.status === 429 && retryAfter !== undefined && !/\bminute|\bsecond|\bafter\b/i.test(message))
    message = `${message} (try again in ${waitText(retryAfter)})`;
  return new ApiError(response.status, message, retryAfter);
}

function fallbackMessage(status: number, retryAfter: number | undefined): string {
  if (status === 401) return 'You are not signed in, or your session has ended. Sign in again.';
  if (status === 403) return 'You do not have access to this.';
  if (status === 404) return 'Not found: it may have been deleted, or it is not shared with you.';
  if (status === 429)
    return `Too many attempts. Try again ${retryAfter === undefined ? 'in a moment' : `in ${waitText(retryAfter)}`}.`;
  if (status === 502 || status === 503 || status === 504)
    return 'Sightline is busy or restarting. Try again in a moment.';
  if (status >= 500) return 'Sightline could not answer this request (server error). Try again, or check its log.';
  return `The request was refused (HTTP ${status}).`;
}

function waitText(seconds: number): string {
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`;
}

async function json<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, body, options);
  if (response.status === 204 || response.status === 202) {
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  return (await response.json()) as T;
}

const get = <T>(path: string, signal?: AbortSignal) => json<T>('GET', path, undefined, { signal });
const post = <T>(path: string, body?: unknown) => json<T>('POST', path, body ?? {});
const patch = <T>(path: string, body: unknown) => json<T>('PATCH', path, body);
const del = (path: string) => json<void>('DELETE', path);
const authPost = <T>(path: string, body: unknown) => json<T>('POST', path, body, { expectUnauthorized: true });
const seg = encodeURIComponent;

// ---- endpoints -----------------------------------------------------------------------------------------------------

export const auth = {
  state: (signal?: AbortSignal) => get<AuthState>('/api/auth/state', signal),
  setup: (body: { email: string; password: string; name: string }) => authPost<{ user: Me }>('/api/auth/setup', body),
  register: (body: { email: string; password: string; name: string; invitation?: string }) =>
    authPost<{ user: Me }>('/api/auth/register', body),
  login: (body: { email: string; password: string }) =>
    authPost<{ status: 'ok'; user: Me } | { status: 'mfa_required' }>('/api/auth/login', body),
  loginMfa: (code: string) => authPost<{ status: 'ok'; user: Me }>('/api/auth/login/mfa', { code }),
  logout: () => authPost<void>('/api/auth/logout', {}),
  verifyEmail: (token: string) => authPost<{ user: Me | null }>('/api/auth/verify-email', { token }),
  forgotPassword: (email: string) => authPost<void>('/api/auth/forgot-password', { email }),
  resetPassword: (token: string, password: string) => authPost<void>('/api/auth/reset-password', { token, password }),
};

export const account = {
  me: (signal?: AbortSignal) => get<Me>('/api/account', signal),
  update: (body: { name: string }) => patch<Me>('/api/account', body),
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    authPost<void>('/api/account/password', body),
  changeEmail: (body: { password: string; email: string }) => authPost<void>('/api/account/email', body),
  sessions: (signal?: AbortSignal) => get<{ sessions: LoginSession[] }>('/api/account/sessions', signal),
  revokeSession: (id: string) => del(`/api/account/sessions/${seg(id)}`),
  mfaSetup: () => post<MfaSetup>('/api/account/mfa/setup'),
  mfaEnable: (code: string) => authPost<{ backupCodes: string[] }>('/api/account/mfa/enable', { code }),
  mfaDisable: (body: { password: string; code: string }) => authPost<void>('/api/account/mfa/disable', body),
  backupCodes: (body: { password: string; code: string }) =>
    authPost<{ backupCodes: string[] }>('/api/account/mfa/backup-codes', body),
  audit: (before: string | undefined, signal?: AbortSignal) =>
    get<{ entries: AuditEntry[] }>(`/api/account/audit${before ? `?before=${seg(before)}` : ''}`, signal),
  apiKeys: (signal?: AbortSignal) => get<{ keys: ApiKey[] }>('/api/account/api-keys', signal),
  createApiKey: (body: { name: string; scopes: ApiKeyScope[]; expiresInDays?: number }) =>
    post<{ key: ApiKey; token: string }>('/api/account/api-keys', body),
  deleteApiKey: (id: number) => del(`/api/account/api-keys/${id}`),
};

export const sites = {
  list: (signal?: AbortSignal) => get<{ sites: SiteSummary[] }>('/api/sites', signal),
  create: (body: { domain: string; name?: string; timezone?: string }) => post<SiteSummary>('/api/sites', body),
  get: (id: number, signal?: AbortSignal) => get<SiteSummary>(`/api/sites/${id}`, signal),
  update: (id: number, body: Partial<Pick<SiteSummary, 'name' | 'domain' | 'timezone' | 'isPublic'>>) =>
    patch<SiteSummary>(`/api/sites/${id}`, body),
  remove: (id: number) => del(`/api/sites/${id}`),
  transfer: (id: number, email: string) => post<void>(`/api/sites/${id}/transfer`, { email }),
  snippet: (id: number, signal?: AbortSignal) => get<Snippet>(`/api/sites/${id}/snippet`, signal),
  installation: (id: number, signal?: AbortSignal) => get<Installation>(`/api/sites/${id}/installation`, signal),
  summary: (id: number, signal?: AbortSignal) => get<SiteActivity>(`/api/sites/${id}/summary`, signal),
  members: (id: number, signal?: AbortSignal) =>
    get<{ members: Member[]; invitations: Invitation[] }>(`/api/sites/${id}/members`, signal),
  setMemberRole: (id: number, userId: number, role: 'admin' | 'viewer') =>
    patch<unknown>(`/api/sites/${id}/members/${userId}`, { role }),
  removeMember: (id: number, userId: number) => del(`/api/sites/${id}/members/${userId}`),
  invite: (id: number, body: { email: string; role: 'admin' | 'viewer' }) =>
    post<Invitation>(`/api/sites/${id}/invitations`, body),
  revokeInvitation: (id: number, invitationId: number) => del(`/api/sites/${id}/invitations/${invitationId}`),
  shares: (id: number, signal?: AbortSignal) => get<{ shares: ShareLink[] }>(`/api/sites/${id}/shares`, signal),
  createShare: (id: number, body: { name: string; password?: string }) =>
    post<ShareLink>(`/api/sites/${id}/shares`, body),
  deleteShare: (id: number, shareId: number) => del(`/api/sites/${id}/shares/${shareId}`),
  shields: (id: number, signal?: AbortSignal) => get<{ shields: Shield[] }>(`/api/sites/${id}/shields`, signal),
  createShield: (id: number, body: { kind: ShieldKind; value: string; description?: string }) =>
    post<Shield>(`/api/sites/${id}/shields`, body),
  deleteShield: (id: number, shieldId: number) => del(`/api/sites/${id}/shields/${shieldId}`),
  goals: (id: number, signal?: AbortSignal) => get<{ goals: Goal[] }>(`/api/sites/${id}/goals`, signal),
  createGoal: (
    id: number,
    body: { kind: Goal['kind']; pathPattern?: string; eventName?: string; displayName?: string },
  ) => post<Goal>(`/api/sites/${id}/goals`, body),
  deleteGoal: (id: number, goalId: number) => del(`/api/sites/${id}/goals/${goalId}`),
  funnels: (id: number, signal?: AbortSignal) => get<{ funnels: Funnel[] }>(`/api/sites/${id}/funnels`, signal),
  createFunnel: (id: number, body: { name: string; steps: string[] }) => post<Funnel>(`/api/sites/${id}/funnels`, body),
  deleteFunnel: (id: number, funnelId: number) => del(`/api/sites/${id}/funnels/${funnelId}`),
  ingestKeys: (id: number, signal?: AbortSignal) => get<{ keys: IngestKey[] }>(`/api/sites/${id}/ingest-keys`, signal),
  createIngestKey: (id: number, body: { name: string; expiresInDays?: number; rateLimitPerMinute?: number }) =>
    post<{ key: IngestKey; token: string }>(`/api/sites/${id}/ingest-keys`, body),
  regenerateIngestKey: (id: number, keyId: number) =>
    post<{ key: IngestKey; token: string }>(`/api/sites/${id}/ingest-keys/${keyId}/regenerate`),
  revokeIngestKey: (id: number, keyId: number) => del(`/api/sites/${id}/ingest-keys/${keyId}`),
};

export const invitations = {
  lookup: (token: string) => authPost<InvitationLookup>('/api/invitations/lookup', { token }),
  accept: (token: string) => post<{ site: SiteSummary }>('/api/invitations/accept', { token }),
};

export const share = {
  info: (slug: string, signal?: AbortSignal) => get<ShareInfo>(`/api/share/${seg(slug)}`, signal),
  unlock: (slug: string, password: string) => authPost<void>(`/api/share/${seg(slug)}/unlock`, { password }),
};

/**
 * The stats endpoints, either the signed-in ones (`/api/v2`) or a share link's copy of them
 * (`/api/share/<slug>/v2`), which answer for that link's site only.
 */
export interface StatsApi {
  base: string;
  /** Whether this is a share link (no account controls). */
  shared: boolean;
  siteContext(siteId: string, signal?: AbortSignal): Promise<SiteContext>;
  query(body: StatsQueryBody, signal?: AbortSignal): Promise<StatsResponse>;
  realtime(siteId: string, signal?: AbortSignal): Promise<Realtime>;
  funnel(
    body: { site_id: string; funnel_id: number; date_range: DateRange },
    signal?: AbortSignal,
  ): Promise<FunnelResult>;
  /** The breakdown as a CSV file, for the browser to save. */
  exportCsv(body: StatsQueryBody): Promise<{ blob: Blob; filename: string | undefined }>;
  /** Address of the whole-site zip (a plain GET, so a link can download it with the cookie). */
  siteExportUrl(siteId: string, dateRange: string): string;
  /** The site's most used custom property keys in the range (of one event name when given), most used first. */
  propKeys(siteId: string, dateRange: DateRange, options?: { event?: string; signal?: AbortSignal }): Promise<PropKeys>;
}

export interface PropKeys {
  keys: { key: string; events: number }[];
}

export function statsApi(base = '/api/v2', shared = false): StatsApi {
  return {
    base,
    shared,
    siteContext: (siteId, signal) => get<SiteContext>(`${base}/site-context?site_id=${seg(siteId)}`, signal),
    query: (body, signal) => json<StatsResponse>('POST', `${base}/query`, body, { signal }),
    realtime: (siteId, signal) => get<Realtime>(`${base}/realtime?site_id=${seg(siteId)}`, signal),
    funnel: (body, signal) => json<FunnelResult>('POST', `${base}/funnel`, body, { signal }),
    async exportCsv(body) {
      const response = await send('POST', `${base}/export`, body, {});
      const disposition = response.headers.get('content-disposition') ?? '';
      const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
      return { blob: await response.blob(), filename: match?.[1] ? decodeURIComponent(match[1]) : undefined };
    },
    siteExportUrl: (siteId, dateRange) => `${base}/export/site?site_id=${seg(siteId)}&date_range=${seg(dateRange)}`,
    propKeys(siteId, dateRange, { event, signal } = {}) {
      // A GET carries two dates as "from,to", as the zip export does.
      const range = typeof dateRange === 'string' ? dateRange : dateRange.join(',');
      const eventParam = event ? `&event=${seg(event)}` : '';
      return get<PropKeys>(`${base}/props?site_id=${seg(siteId)}&date_range=${seg(range)}${eventParam}`, signal);
    },
  };
}

export const sharedStatsApi = (slug: string) => statsApi(`/api/share/${seg(slug)}/v2`, true);
