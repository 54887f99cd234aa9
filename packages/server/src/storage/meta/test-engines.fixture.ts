import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { NewUser, User } from '../../domain/account.js';
import type { Site } from '../../domain/site.js';
import { freshPostgresDatabase } from '../../test-support/postgres.js';
import type { Database } from './database.js';
import { createMetaStore, type MetaStoreOptions, resolveMetaTarget } from './index.js';
import type { MetaStore } from './meta-store.js';

/**
 * Test support: the metadata engines every repository test runs against, so SQLite and PostgreSQL are held to one
 * suite. Each `setup()` makes an empty database (a temp directory, or a fresh PostgreSQL database) that `open()`
 * connects to as often as a test wants (several stores = several nodes) and `cleanup()` removes.
 */
export interface MetaTestDatabase {
  /** Where the database is, as `createMetaStore` takes it. */
  options: MetaStoreOptions;
  open(): Promise<MetaStore>;
  cleanup(): Promise<void>;
}

export interface MetaTestEngine {
  name: 'sqlite' | 'postgres';
  setup(): Promise<MetaTestDatabase>;
}

export const META_TEST_ENGINES: MetaTestEngine[] = [
  {
    name: 'sqlite',
    async setup() {
      const dataDir = await mkdtemp(join(tmpdir(), 'sightline-meta-'));
      return {
        options: { dataDir },
        open: () => createMetaStore({ dataDir }),
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async setup() {
      const database = await freshPostgresDatabase();
      // dataDir is unused with a PostgreSQL URL; a path that cannot exist proves nothing is written there.
      const options = { dataDir: '/nonexistent/sightline', databaseUrl: database.url };
      return {
        options,
        open: () => createMetaStore(options),
        cleanup: database.drop,
      };
    },
  },
];

/**
 * Runs `work` on a separate plain connection to the database the options name, for what the store offers no method
 * for (deleting a user row, setting up an old schema). SQLite gets foreign keys on, as the store has them.
 */
export async function withRawDatabase<T>(
  options: MetaStoreOptions,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const target = resolveMetaTarget(options.databaseUrl, options.dataDir);
  let db: Kysely<Database>;
  if (target.engine === 'postgres') {
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.url }) }),
    });
  } else {
    const sqlite = new SqliteDatabase(target.path);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** A migrated store on one engine for a whole `describe` block, plus factories for the rows most tests need. */
export interface MigratedMetaStore {
  /** The store every test uses (valid inside tests and hooks, after `beforeAll`). */
  readonly store: MetaStore;
  /** Where the database is (see `withRawDatabase`). */
  readonly options: MetaStoreOptions;
  /** Another connection to the same database: a second node, for races. */
  openAnother(): Promise<MetaStore>;
  /** A site with a unique domain. */
  site(): Promise<Site>;
  /** A user with a unique email. */
  user(overrides?: Partial<NewUser>): Promise<User>;
}

let uniqueCounter = 0;
/** A value no other call in this process returns: keeps rows of different tests from colliding. */
export function unique(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${uniqueCounter}`;
}

/**
 * Registers `beforeAll`/`afterAll` that set up a fresh database on `engine`, migrate it and clean it up again.
 *
 * @example const meta = useMigratedMetaStore(engine); it('…', async () => { await meta.store.users.count(); });
 */
export function useMigratedMetaStore(engine: MetaTestEngine): MigratedMetaStore {
  let database: MetaTestDatabase | undefined;
  let main: MetaStore | undefined;
  const opened: MetaStore[] = [];

  async function openAnother(): Promise<MetaStore> {
    if (database === undefined) throw new Error('useMigratedMetaStore: the database is not set up yet');
    const store = await database.open();
    opened.push(store);
    return store;
  }

  beforeAll(async () => {
    database = await engine.setup();
    main = await openAnother();
    await main.migrate();
  });

  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await database?.cleanup();
  });

  const fixture: MigratedMetaStore = {
    get store(): MetaStore {
      if (main === undefined) throw new Error('useMigratedMetaStore: the store is not open yet');
      return main;
    },
    get options(): MetaStoreOptions {
      if (database === undefined) throw new Error('useMigratedMetaStore: the database is not set up yet');
      return database.options;
    },
    openAnother,
    site: () => fixture.store.sites.create({ domain: `${unique('site')}.example` }),
    user: (overrides = {}) =>
      fixture.store.users.create({
        email: `${unique('user')}@example.com`,
        name: 'Test User',
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
        ...overrides,
      }),
  };
  return fixture;
}
