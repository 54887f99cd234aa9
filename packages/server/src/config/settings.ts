/**
 * Every setting Sightline reads, in one table: name, default, meaning and parser. The README's settings table is
 * printed from this list (`npx sightline settings`), so docs and code cannot drift.
 */
export interface SettingSpec<T> {
  env: string;
  /** Shown in docs; `undefined` means "unset". */
  default: string | undefined;
  description: string;
  /** Secrets may also come from `<ENV>_FILE` and are never logged. */
  secret?: boolean;
  parse: (raw: string | undefined) => T;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function int(env: string, fallback: number, min: number, max: number) {
  return (raw: string | undefined): number => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${env} must be a whole number between ${min} and ${max}, got "${raw}"`);
    }
    return value;
  };
}

function bool(env: string, fallback: boolean) {
  return (raw: string | undefined): boolean => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(`${env} must be true or false, got "${raw}"`);
  };
}

function text(fallback: string) {
  return (raw: string | undefined): string => (raw === undefined || raw.trim() === '' ? fallback : raw.trim());
}

function oneOf<const T extends string>(env: string, values: readonly T[], fallback: T) {
  return (raw: string | undefined): T => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = raw.trim().toLowerCase();
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new ConfigError(`${env} must be one of ${values.join(', ')}; got "${raw}"`);
  };
}

function optional(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

export const SETTINGS = {
  port: {
    env: 'PORT',
    default: '8000',
    description: 'TCP port the HTTP server listens on.',
    parse: int('PORT', 8000, 0, 65535),
  },
  host: { env: 'HOST', default: '0.0.0.0', description: 'Address the HTTP server binds to.', parse: text('0.0.0.0') },
  dataDir: {
    env: 'DATA_DIR',
    default: './data',
    description: 'Directory for everything embedded: SQLite metadata, chDB events, the journal, the generated secret.',
    parse: text('./data'),
  },
  baseUrl: {
    env: 'BASE_URL',
    default: undefined,
    description:
      'Public URL of this instance (used in links and the tracking snippet). Defaults to http://localhost:PORT.',
    parse: optional,
  },
  secretKey: {
    env: 'SECRET_KEY',
    default: undefined,
    secret: true,
    description:
      'Server secret (>= 32 characters) for keyed hashes and encryption. Embedded mode generates one in DATA_DIR on first start; with external stores it is required.',
    parse: optional,
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: undefined,
    secret: true,
    description:
      'Metadata store. Unset: SQLite in DATA_DIR/sightline.db. `postgres://…`: PostgreSQL. `sqlite:PATH`: SQLite at PATH.',
    parse: optional,
  },
  clickhouseUrl: {
    env: 'CLICKHOUSE_URL',
    default: undefined,
    secret: true,
    description:
      'Event store. Unset: embedded chDB in DATA_DIR/events. `http(s)://user:pass@host:8123`: a ClickHouse server.',
    parse: optional,
  },
  clickhouseDatabase: {
    env: 'CLICKHOUSE_DATABASE',
    default: 'sightline',
    description: 'ClickHouse database that holds the event tables.',
    parse: text('sightline'),
  },
  redisUrl: {
    env: 'REDIS_URL',
    default: undefined,
    secret: true,
    description: 'State store for sessions, rate limits and caches when several nodes run. Unset: in-process.',
    parse: optional,
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    default: 'false',
    description:
      'Whether to take the client IP from X-Forwarded-For: `false`, `true` (any proxy), a hop count (e.g. `1`), or a comma-separated list of proxy IPs/CIDRs.',
    parse: text('false'),
  },
  countryHeader: {
    env: 'COUNTRY_HEADER',
    default: undefined,
    description:
      'Name of a header set by a trusted CDN that carries the visitor country (e.g. `CF-IPCountry`). Only read when set.',
    parse: optional,
  },
  metricsToken: {
    env: 'METRICS_TOKEN',
    default: undefined,
    secret: true,
    description:
      'When set, GET /metrics requires `Authorization: Bearer <token>` (Prometheus `authorization` credentials). Unset: /metrics is open.',
    parse: optional,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug or trace.',
    parse: (raw: string | undefined) => {
      const value = text('info')(raw);
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(value)) {
        throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${raw}"`);
      }
      return value;
    },
  },
  ingestRateLimitPerIp: {
    env: 'INGEST_RATE_LIMIT_PER_IP',
    default: '3000',
    description: 'Events per minute accepted from one client IP on the ingestion routes (0 turns the limit off).',
    parse: int('INGEST_RATE_LIMIT_PER_IP', 3000, 0, 1e9),
  },
  ingestRateLimitPerSite: {
    env: 'INGEST_RATE_LIMIT_PER_SITE',
    default: '600000',
    description: 'Events per minute accepted for one site (0 turns the limit off).',
    parse: int('INGEST_RATE_LIMIT_PER_SITE', 600000, 0, 1e12),
  },
  journalMaxPending: {
    env: 'JOURNAL_MAX_PENDING',
    default: '500000',
    description: 'Events accepted but not yet in the event store before ingestion answers 503 + Retry-After.',
    parse: int('JOURNAL_MAX_PENDING', 500000, 100, 1e9),
  },
  journalSync: {
    env: 'JOURNAL_FSYNC',
    default: 'true',
    description:
      'fsync the journal before acknowledging events. Turning it off survives a process crash but not a power loss.',
    parse: bool('JOURNAL_FSYNC', true),
  },
  flushIntervalMs: {
    env: 'FLUSH_INTERVAL_MS',
    default: '1000',
    description:
      'How often journaled events are moved into the event store, in milliseconds (accepted events are queryable within about this long).',
    parse: int('FLUSH_INTERVAL_MS', 1000, 10, 60000),
  },
  flushBatchMax: {
    env: 'FLUSH_BATCH_MAX',
    default: '50000',
    description: 'Most events written to the event store in one insert.',
    parse: int('FLUSH_BATCH_MAX', 50000, 1, 1e7),
  },
  registration: {
    env: 'REGISTRATION',
    default: 'invite',
    description:
      'Who may create an account: `closed` (operators only, `npx sightline users create`), `invite` (people invited to a site) or `open` (anyone). The first account is always created by the first-run setup.',
    parse: oneOf('REGISTRATION', ['closed', 'invite', 'open'] as const, 'invite'),
  },
  smtpUrl: {
    env: 'SMTP_URL',
    default: undefined,
    secret: true,
    description:
      'Mail server for verification, reset, invitation and lockout mail: `smtps://user:pass@host:465` (TLS) or `smtp://user:pass@host:587` (STARTTLS, required). A relay on localhost may speak plain SMTP; for a plain relay elsewhere (e.g. Mailpit) add `?tls=off`. Unset: the links are written to the log for the operator.',
    parse: optional,
  },
  mailFrom: {
    env: 'MAIL_FROM',
    default: 'Sightline <sightline@localhost>',
    description: 'From address of the mail Sightline sends.',
    parse: text('Sightline <sightline@localhost>'),
  },
  oidcIssuer: {
    env: 'OIDC_ISSUER',
    default: undefined,
    description:
      'OpenID Connect issuer URL for single sign-on (e.g. `https://accounts.google.com`). Set with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET; the redirect URI to register is BASE_URL/api/auth/oidc/callback.',
    parse: optional,
  },
  oidcClientId: {
    env: 'OIDC_CLIENT_ID',
    default: undefined,
    description: 'OpenID Connect client id.',
    parse: optional,
  },
  oidcClientSecret: {
    env: 'OIDC_CLIENT_SECRET',
    default: undefined,
    secret: true,
    description: 'OpenID Connect client secret.',
    parse: optional,
  },
  oidcName: {
    env: 'OIDC_NAME',
    default: 'OpenID Connect',
    description: 'Provider name on the sign-in button (e.g. `Google`).',
    parse: text('OpenID Connect'),
  },
  loginMaxFailures: {
    env: 'LOGIN_MAX_FAILURES',
    default: '5',
    description: 'Failed sign-ins in a row that lock an account.',
    parse: int('LOGIN_MAX_FAILURES', 5, 1, 1000),
  },
  loginLockoutMinutes: {
    env: 'LOGIN_LOCKOUT_MINUTES',
    default: '30',
    description: 'How long a locked account refuses sign-ins.',
    parse: int('LOGIN_LOCKOUT_MINUTES', 30, 1, 525600),
  },
  loginRateLimitPerIp: {
    env: 'LOGIN_RATE_LIMIT_PER_IP',
    default: '20',
    description:
      'Sign-in, registration and reset attempts per minute from one client IP, whatever the account (0 turns the limit off).',
    parse: int('LOGIN_RATE_LIMIT_PER_IP', 20, 0, 1e6),
  },
  sessionIdleDays: {
    env: 'SESSION_IDLE_DAYS',
    default: '14',
    description: 'A browser session not used for this many days is signed out.',
    parse: int('SESSION_IDLE_DAYS', 14, 1, 365),
  },
  sessionMaxDays: {
    env: 'SESSION_MAX_DAYS',
    default: '30',
    description: 'A browser session ends this many days after sign-in, however active.',
    parse: int('SESSION_MAX_DAYS', 30, 1, 365),
  },
  auditRetentionDays: {
    env: 'AUDIT_RETENTION_DAYS',
    default: '90',
    description: 'Days the account audit log (sign-ins, security changes) is kept.',
    parse: int('AUDIT_RETENTION_DAYS', 90, 1, 3650),
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    default: '25000',
    description: 'How long SIGTERM waits for in-flight requests and the final flush before exiting.',
    parse: int('SHUTDOWN_TIMEOUT_MS', 25000, 100, 600000),
  },
} satisfies Record<string, SettingSpec<unknown>>;

export type SettingName = keyof typeof SETTINGS;
