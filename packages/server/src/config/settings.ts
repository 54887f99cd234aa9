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
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    default: '25000',
    description: 'How long SIGTERM waits for in-flight requests and the final flush before exiting.',
    parse: int('SHUTDOWN_TIMEOUT_MS', 25000, 100, 600000),
  },
} satisfies Record<string, SettingSpec<unknown>>;

export type SettingName = keyof typeof SETTINGS;
