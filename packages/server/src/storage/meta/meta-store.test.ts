import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateSiteError, InvalidSiteError, type MetaStore } from './meta-store.js';
import { META_TEST_ENGINES, type MetaTestDatabase } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('metadata store on $name', (engine) => {
  let database: MetaTestDatabase;
  let store: MetaStore;
  const opened: MetaStore[] = [];

  async function openStore(): Promise<MetaStore> {
    const another = await database.open();
    opened.push(another);
    return another;
  }

  beforeAll(async () => {
    database = await engine.setup();
    store = await openStore();
    await store.migrate();
  });

  afterAll(async () => {
    await Promise.all(opened.map((each) => each.close()));
    await database?.cleanup();
  });

  it('reports its engine and a healthy connection', async () => {
    expect(store.kind).toBe(engine.name);
    expect(await store.health()).toEqual({ ok: true, engine: engine.name === 'sqlite' ? 'sqlite' : 'postgresql' });
  });

  it('migrating again changes nothing and keeps the data', async () => {
    const site = await store.sites.create({ domain: 'migrate-twice.example' });
    await store.migrate();
    const second = await openStore();
    await second.migrate();
    expect(await second.sites.findById(site.id)).toEqual(site);
  });

  describe('sites', () => {
    it('creates a site with a normalised domain, a UUID and UTC by default', async () => {
      const before = Date.now();
      const site = await store.sites.create({ domain: 'https://WWW.Create.Example.com/landing?ref=x' });
      expect(site.domain).toBe('create.example.com');
      expect(site.timezone).toBe('UTC');
      expect(site.publicId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.isInteger(site.id) && site.id > 0).toBe(true);
      expect(site.createdAt).toBeInstanceOf(Date);
      expect(site.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(site.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('finds a site by id, public id and any spelling of its domain', async () => {
      const site = await store.sites.create({ domain: 'find.example.org', timezone: 'Europe/Berlin' });
      expect(await store.sites.findById(site.id)).toEqual(site);
      expect(await store.sites.findByPublicId(site.publicId)).toEqual(site);
      expect(await store.sites.findByPublicId(site.publicId.toUpperCase())).toEqual(site);
      expect(await store.sites.findByDomain('http://www.FIND.example.org:443/x')).toEqual(site);
      expect(site.timezone).toBe('Europe/Berlin');
    });

    it('returns undefined for unknown or malformed lookups instead of failing', async () => {
      expect(await store.sites.findById(987_654)).toBeUndefined();
      expect(await store.sites.findById(-1)).toBeUndefined();
      expect(await store.sites.findById(2 ** 40)).toBeUndefined();
      expect(await store.sites.findById(1.5)).toBeUndefined();
      expect(await store.sites.findByDomain('nobody.example')).toBeUndefined();
      expect(await store.sites.findByDomain('not a domain')).toBeUndefined();
      expect(await store.sites.findByPublicId('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(await store.sites.findByPublicId("' OR 1=1 --")).toBeUndefined();
    });

    it('lists sites in creation order', async () => {
      const first = await store.sites.create({ domain: 'list-a.example' });
      const second = await store.sites.create({ domain: 'list-b.example' });
      const ids = (await store.sites.list()).map((site) => site.id);
      expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    });

    it('refuses a second site for the same domain, whatever its spelling', async () => {
      await store.sites.create({ domain: 'dupe.example.net' });
      for (const variant of [
        'dupe.example.net',
        'www.dupe.example.net',
        'DUPE.Example.NET',
        'https://www.Dupe.example.net/',
      ]) {
        await expect(store.sites.create({ domain: variant })).rejects.toBeInstanceOf(DuplicateSiteError);
      }
      await expect(store.sites.create({ domain: 'Dupe.example.net' })).rejects.toThrow(
        'A site for dupe.example.net already exists',
      );
      expect((await store.sites.list()).filter((site) => site.domain === 'dupe.example.net')).toHaveLength(1);
    });

    it('detects duplicates created at the same moment by two nodes', async () => {
      const other = await openStore();
      const results = await Promise.allSettled([
        store.sites.create({ domain: 'race.example' }),
        other.sites.create({ domain: 'www.race.example' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(DuplicateSiteError);
    });

    it('rejects an invalid domain or time zone with a clear error and stores nothing', async () => {
      const countBefore = (await store.sites.list()).length;
      await expect(store.sites.create({ domain: 'not a domain' })).rejects.toThrow(/domain must be a hostname/);
      await expect(store.sites.create({ domain: '' })).rejects.toBeInstanceOf(InvalidSiteError);
      await expect(store.sites.create({ domain: 'tz.example', timezone: 'Mars/Base' })).rejects.toMatchObject({
        name: 'InvalidSiteError',
        field: 'timezone',
      });
      await expect(
        store.sites.create({ domain: 'tz.example', timezone: "UTC'; DROP TABLE sites; --" }),
      ).rejects.toThrow(/time zone/);
      expect(await store.sites.list()).toHaveLength(countBefore);
    });

    it('stores the time zone with the case ClickHouse expects', async () => {
      const site = await store.sites.create({ domain: 'tz-case.example', timezone: 'america/new_york' });
      expect(site.timezone).toBe('America/New_York');
    });
  });

  describe('salts', () => {
    it('creates a 32-byte random salt once and returns the same one afterwards', async () => {
      const salt = await store.salts.getOrCreate('2024-03-01');
      expect(Buffer.isBuffer(salt)).toBe(true);
      expect(salt).toHaveLength(32);
      expect((await store.salts.getOrCreate('2024-03-01')).equals(salt)).toBe(true);
      expect((await store.salts.get('2024-03-01'))?.equals(salt)).toBe(true);
      const otherDay = await store.salts.getOrCreate('2024-03-02');
      expect(otherDay.equals(salt)).toBe(false);
    });

    it('gives every node the same salt when they race to create it', async () => {
      const nodeA = await openStore();
      const nodeB = await openStore();
      const salts = await Promise.all(
        Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? nodeA : nodeB).salts.getOrCreate('2024-04-15')),
      );
      for (const salt of salts) expect(salt.equals(salts[0] as Buffer)).toBe(true);
    });

    it('get never creates a salt', async () => {
      expect(await store.salts.get('2020-01-01')).toBeUndefined();
      expect(await store.salts.get('2020-01-01')).toBeUndefined();
      expect(await store.salts.get('not-a-day')).toBeUndefined();
    });

    it('deleteBefore deletes only days before the given one', async () => {
      for (const day of ['2023-12-30', '2023-12-31', '2024-01-01', '2024-01-02']) await store.salts.getOrCreate(day);
      expect(await store.salts.deleteBefore('2024-01-01')).toBe(2);
      expect(await store.salts.get('2023-12-30')).toBeUndefined();
      expect(await store.salts.get('2023-12-31')).toBeUndefined();
      expect(await store.salts.get('2024-01-01')).toBeDefined();
      expect(await store.salts.get('2024-01-02')).toBeDefined();
      expect(await store.salts.deleteBefore('2024-01-01')).toBe(0);
    });

    it('refuses malformed days rather than guessing (a bad bound could delete live salts)', async () => {
      await expect(store.salts.deleteBefore('9')).rejects.toBeInstanceOf(RangeError);
      await expect(store.salts.deleteBefore('2024-02-30')).rejects.toBeInstanceOf(RangeError);
      await expect(store.salts.getOrCreate('2024-1-1')).rejects.toBeInstanceOf(RangeError);
      expect(await store.salts.get('2024-01-02')).toBeDefined();
    });
  });

  it('reports an unhealthy store after close instead of throwing', async () => {
    const closing = await openStore();
    await closing.close();
    await closing.close();
    const health = await closing.health();
    expect(health.ok).toBe(false);
    expect(health.engine).toBe(engine.name === 'sqlite' ? 'sqlite' : 'postgresql');
  });
});

describe('metadata migrations on postgres', () => {
  it('several nodes may migrate the same fresh database at once', async () => {
    const postgres = META_TEST_ENGINES.find((engine) => engine.name === 'postgres');
    if (postgres === undefined) throw new Error('postgres engine missing');
    const database = await postgres.setup();
    const nodes = await Promise.all([database.open(), database.open(), database.open()]);
    try {
      await Promise.all(nodes.map((node) => node.migrate()));
      const site = await nodes[0]?.sites.create({ domain: 'concurrent-migrate.example' });
      expect(await nodes[2]?.sites.findByDomain('concurrent-migrate.example')).toEqual(site);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await database.cleanup();
    }
  });
});
