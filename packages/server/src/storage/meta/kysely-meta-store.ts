import { type Kysely, sql } from 'kysely';
import type { StoreHealth } from '../events/event-store.js';
import { createApiKeyRepository } from './api-key-repository.js';
import { createAuditRepository } from './audit-repository.js';
import { createBackupCodeRepository } from './backup-code-repository.js';
import type { Database, MetaEngine } from './database.js';
import { createFunnelRepository } from './funnel-repository.js';
import { createGoalRepository } from './goal-repository.js';
import { createIngestKeyRepository } from './ingest-key-repository.js';
import { createInvitationRepository } from './invitation-repository.js';
import { createLoginSessionRepository } from './login-session-repository.js';
import { createMemberRepository } from './member-repository.js';
import type { MetaStore } from './meta-store.js';
import { migrateToLatest } from './migrations.js';
import { createOidcIdentityRepository } from './oidc-identity-repository.js';
import { createSaltRepository } from './salt-repository.js';
import { createShareLinkRepository } from './share-link-repository.js';
import { createShieldRepository } from './shield-repository.js';
import { createSiteRepository } from './site-repository.js';
import { createUserRepository } from './user-repository.js';
import { createUserTokenRepository } from './user-token-repository.js';

/** A health check answers within this, so a hung database cannot hang `/health` (or a readiness probe). */
const HEALTH_TIMEOUT_MS = 3_000;

const ENGINE_NAMES: Record<MetaEngine, string> = { sqlite: 'sqlite', postgres: 'postgresql' };

/**
 * The engine-independent half of the metadata store: every query is Kysely, so the SQLite and PostgreSQL adapters
 * differ only in how they open a connection (`sqlite.ts`, `postgres.ts`).
 */
export function createKyselyMetaStore(
  db: Kysely<Database>,
  engine: MetaEngine,
  /** Releases the underlying connection(s); Kysely's destroy() skips a driver that never ran a query. */
  release: () => Promise<void> | void,
): MetaStore {
  let closing: Promise<void> | undefined;
  return {
    kind: engine,
    sites: createSiteRepository(db, engine),
    salts: createSaltRepository(db),
    users: createUserRepository(db, engine),
    loginSessions: createLoginSessionRepository(db),
    userTokens: createUserTokenRepository(db),
    backupCodes: createBackupCodeRepository(db),
    oidcIdentities: createOidcIdentityRepository(db),
    audit: createAuditRepository(db),
    members: createMemberRepository(db, engine),
    invitations: createInvitationRepository(db),
    shareLinks: createShareLinkRepository(db),
    apiKeys: createApiKeyRepository(db, engine),
    ingestKeys: createIngestKeyRepository(db, engine),
    shields: createShieldRepository(db),
    goals: createGoalRepository(db, engine),
    funnels: createFunnelRepository(db, engine),
    migrate: () => migrateToLatest(db as Kysely<unknown>, engine),
    health: () =>
      closing === undefined
        ? checkHealth(db, engine)
        : Promise.resolve({ ok: false, engine: ENGINE_NAMES[engine], detail: 'store is closed' }),
    close() {
      closing ??= (async () => {
        try {
          await db.destroy();
        } finally {
          await release();
        }
      })();
      return closing;
    },
  };
}

async function checkHealth(db: Kysely<Database>, engine: MetaEngine): Promise<StoreHealth> {
  const name = ENGINE_NAMES[engine];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, engine: name, detail: `no answer within ${HEALTH_TIMEOUT_MS} ms` }),
      HEALTH_TIMEOUT_MS,
    );
    timer.unref();
  });
  const probe = sql<{ ok: number }>`select 1 as ok`.execute(db).then(
    (): StoreHealth => ({ ok: true, engine: name }),
    (error: unknown): StoreHealth => ({ ok: false, engine: name, detail: describeError(error) }),
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message; its code still says why. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return error.message || (typeof code === 'string' ? code : error.name);
}
