import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo } from './migrations.js';
import { META_TEST_ENGINES, withRawDatabase } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('metadata migrations on $name', (engine) => {
  it('upgrading a 0001 database keeps its sites, names them after their domain and leaves them private', async () => {
    const database = await engine.setup();
    try {
      await withRawDatabase(database.options, async (db) => {
        await migrateTo(db, engine.name, '0001_sites_and_salts');
        await sql`insert into sites (public_id, domain, timezone, created_at)
          values (${'0b6f2f8e-1c3a-4b7e-9a51-2f4a8f0c9d11'}, ${'legacy.example'}, ${'Europe/Oslo'}, ${'2024-01-02T03:04:05.000Z'})`.execute(
          db,
        );
      });
      const store = await database.open();
      try {
        await store.migrate();
        const site = await store.sites.findByDomain('legacy.example');
        expect(site).toEqual({
          id: site?.id,
          publicId: '0b6f2f8e-1c3a-4b7e-9a51-2f4a8f0c9d11',
          domain: 'legacy.example',
          timezone: 'Europe/Oslo',
          name: 'legacy.example',
          isPublic: false,
          createdAt: new Date('2024-01-02T03:04:05.000Z'),
        });
        // The new tables are there and tied to the old site.
        const user = await store.users.create({ email: 'first@example.com', name: 'First', passwordHash: null });
        await store.members.upsert(site?.id as number, user.id, 'owner');
        expect(await store.members.listSitesForUser(user.id)).toEqual([{ site, role: 'owner' }]);
      } finally {
        await store.close();
      }
    } finally {
      await database.cleanup();
    }
  });

  it('the accounts migration can be rolled back to 0001 and applied again', async () => {
    const database = await engine.setup();
    try {
      const store = await database.open();
      try {
        await store.migrate();
        await store.sites.create({ domain: 'roundtrip.example', name: 'Round trip' });
        await withRawDatabase(database.options, (db) => migrateTo(db, engine.name, '0001_sites_and_salts'));
        await expect(store.users.count()).rejects.toThrow();
        await store.migrate();
        expect(await store.users.count()).toBe(0);
        expect((await store.sites.findByDomain('roundtrip.example'))?.name).toBe('roundtrip.example');
      } finally {
        await store.close();
      }
    } finally {
      await database.cleanup();
    }
  });

  it('a migration that fails part-way leaves no trace, so a later start can apply it', async () => {
    const database = await engine.setup();
    try {
      await withRawDatabase(database.options, async (db) => {
        await migrateTo(db, engine.name, '0001_sites_and_salts');
        // A stray table makes 0002 fail after it has already altered `sites`.
        await sql`create table users (stray integer)`.execute(db);
      });
      const store = await database.open();
      try {
        await expect(store.migrate()).rejects.toThrow(/0002_accounts failed/);
        await withRawDatabase(database.options, async (db) => {
          // The ALTER TABLE before the failure was rolled back with it.
          await expect(sql`select name from sites`.execute(db)).rejects.toThrow();
          await sql`drop table users`.execute(db);
        });
        await store.migrate();
        expect(await store.users.count()).toBe(0);
        expect((await store.sites.create({ domain: 'after-retry.example' })).name).toBe('after-retry.example');
      } finally {
        await store.close();
      }
    } finally {
      await database.cleanup();
    }
  });

  it('refuses a migration name that does not exist', async () => {
    const database = await engine.setup();
    try {
      await withRawDatabase(database.options, async (db) => {
        await expect(migrateTo(db, engine.name, '9999_nothing')).rejects.toBeInstanceOf(RangeError);
      });
    } finally {
      await database.cleanup();
    }
  });
});
