import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, SETTINGS, type SettingName } from './settings.js';

export { ConfigError, SETTINGS } from './settings.js';

type Parsed = { [K in SettingName]: ReturnType<(typeof SETTINGS)[K]['parse']> };

/** Everything the process needs to know, parsed and checked once at start (STYLE rule 3). */
export interface Config extends Omit<Parsed, 'secretKey'> {
  /** Absolute data directory. */
  dataDir: string;
  /** The server secret: generated in embedded mode, required and checked otherwise. */
  secretKey: string;
  /** True when no external store is configured: everything lives in dataDir. */
  embedded: boolean;
  publicUrl: string;
  /** Values of every setting marked secret, for log redaction. */
  secrets: string[];
}

export type Env = Record<string, string | undefined>;

const MIN_SECRET_LENGTH = 32;
const PLACEHOLDER_SECRETS =
  /^(change.?me|secret|password|your.?secret.*|replace.?me|example|test|default|sightline|x+|0+|1+)$/i;

/** Reads `NAME`, or the file named by `NAME_FILE` (Docker/Kubernetes secrets). Setting both is a mistake. */
function readRaw(env: Env, name: string, secret: boolean | undefined): string | undefined {
  const direct = env[name];
  const file = secret ? env[`${name}_FILE`] : undefined;
  if (file !== undefined && file !== '') {
    if (direct !== undefined && direct !== '') {
      throw new ConfigError(`Set either ${name} or ${name}_FILE, not both`);
    }
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`${name}_FILE points to ${file}, which cannot be read: ${(error as Error).message}`);
    }
  }
  return direct;
}

export function checkSecretStrength(secret: string | undefined): string | undefined {
  if (secret === undefined) return 'SECRET_KEY is not set';
  if (secret.length < MIN_SECRET_LENGTH)
    return `SECRET_KEY is ${secret.length} characters; it needs at least ${MIN_SECRET_LENGTH}`;
  if (PLACEHOLDER_SECRETS.test(secret) || new Set(secret).size < 8) return 'SECRET_KEY looks like a placeholder';
  return undefined;
}

/**
 * Embedded installs get a strong random secret on first start, kept in DATA_DIR with owner-only permissions, so
 * `npm start` needs no setup and no install shares a guessable default.
 */
function embeddedSecret(dataDir: string): string {
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const parsed = {} as Record<string, unknown>;
  const secrets: string[] = [];
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const raw = readRaw(env, spec.env, 'secret' in spec ? spec.secret : undefined);
    parsed[key] = spec.parse(raw);
    if ('secret' in spec && spec.secret && raw) secrets.push(raw);
  }
  const values = parsed as Parsed;
  const dataDir = resolve(values.dataDir);
  const embedded =
    values.databaseUrl === undefined && values.clickhouseUrl === undefined && values.redisUrl === undefined;
  if (values.databaseUrl && !/^(postgres(ql)?:\/\/|sqlite:)/.test(values.databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres://, postgresql:// or sqlite:');
  }
  if (values.clickhouseUrl && !/^https?:\/\//.test(values.clickhouseUrl)) {
    throw new ConfigError('CLICKHOUSE_URL must be an http:// or https:// URL of a ClickHouse server');
  }
  const oidcParts = [values.oidcIssuer, values.oidcClientId, values.oidcClientSecret];
  if (oidcParts.some((part) => part !== undefined) && oidcParts.some((part) => part === undefined)) {
    throw new ConfigError('OpenID Connect sign-in needs all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  }
  if (values.oidcIssuer && !/^https?:\/\//.test(values.oidcIssuer)) {
    throw new ConfigError('OIDC_ISSUER must be the http(s) URL of the provider, e.g. https://accounts.google.com');
  }
  if (values.smtpUrl && !/^smtps?:\/\//.test(values.smtpUrl)) {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.com:587');
  }
  let secretKey = values.secretKey;
  if (secretKey === undefined && embedded) {
    secretKey = embeddedSecret(dataDir);
  }
  const weakness = checkSecretStrength(secretKey);
  if (weakness) {
    throw new ConfigError(
      `${weakness}. With external stores (DATABASE_URL, CLICKHOUSE_URL or REDIS_URL) set a random SECRET_KEY of at least ${MIN_SECRET_LENGTH} characters, e.g. from \`openssl rand -base64 48\`.`,
    );
  }
  secrets.push(secretKey as string);
  const publicUrl = (values.baseUrl ?? `http://localhost:${values.port}`).replace(/\/+$/, '');
  return { ...values, dataDir, secretKey: secretKey as string, embedded, publicUrl, secrets };
}
