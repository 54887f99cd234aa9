import { isAbsolute, resolve } from 'node:path';
import type { MetaStore } from './meta-store.js';
import { openPostgresMetaStore } from './postgres.js';
import { openSqliteMetaStore } from './sqlite.js';

export type {
  ApiKeyRepository,
  AuditRepository,
  BackupCodeRepository,
  FunnelRepository,
  GoalRepository,
  IngestKeyRepository,
  InvitationRepository,
  LoginSessionRepository,
  MemberRepository,
  MetaStore,
  OidcIdentityRepository,
  SaltRepository,
  ShareLinkRepository,
  ShieldRepository,
  SiteRepository,
  UserRepository,
  UserTokenRepository,
} from './meta-store.js';
export { DuplicateEmailError, DuplicateNameError, DuplicateSiteError, InvalidSiteError } from './meta-store.js';

export interface MetaStoreOptions {
  /** `DATABASE_URL`: unset → SQLite in dataDir; `sqlite:PATH`; `postgres://…` or `postgresql://…`. */
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL only: told about errors of idle pooled connections, which the pool recovers from by itself. */
  onBackgroundError?: (error: Error) => void;
}

/** File name of the embedded metadata database inside the data directory. */
export const SQLITE_FILE_NAME = 'sightline.db';

/**
 * Opens the metadata store that `DATABASE_URL` names. Does not migrate: call `migrate()` once at start.
 * Rejects with a message naming only the scheme for an unsupported URL (the URL itself may hold a password).
 *
 * @example const meta = await createMetaStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
 */
export async function createMetaStore(options: MetaStoreOptions): Promise<MetaStore> {
  const target = resolveMetaTarget(options.databaseUrl, options.dataDir);
  if (target.engine === 'postgres') {
    return openPostgresMetaStore(target.url, { onIdleConnectionError: options.onBackgroundError });
  }
  return openSqliteMetaStore(target.path);
}

export type MetaTarget = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/** Works out where the metadata lives, without opening anything. Exported for `config`-level checks and tests. */
export function resolveMetaTarget(databaseUrl: string | undefined, dataDir: string): MetaTarget {
  const url = databaseUrl?.trim() ?? '';
  if (url === '') return { engine: 'sqlite', path: resolve(dataDir, SQLITE_FILE_NAME) };
  const lower = url.toLowerCase();
  if (lower.startsWith('postgres://') || lower.startsWith('postgresql://')) return { engine: 'postgres', url };
  if (lower.startsWith('sqlite:')) {
    // `sqlite:data/x.db`, `sqlite:/abs/x.db` and the URL-like `sqlite:///abs/x.db` all mean a file path.
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '')
      throw new Error('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:/var/lib/sightline/meta.db');
    if (path === ':memory:') return { engine: 'sqlite', path };
    return { engine: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new Error(
    `DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got ${scheme === undefined ? 'no scheme' : `"${scheme}:"`})`,
  );
}
