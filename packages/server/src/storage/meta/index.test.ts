import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetaStore, resolveMetaTarget } from './index.js';

describe('resolveMetaTarget', () => {
  it('uses SQLite in the data directory when DATABASE_URL is unset or blank', () => {
    expect(resolveMetaTarget(undefined, '/srv/data')).toEqual({ engine: 'sqlite', path: '/srv/data/sightline.db' });
    expect(resolveMetaTarget('  ', 'data')).toEqual({ engine: 'sqlite', path: resolve('data', 'sightline.db') });
  });

  it('reads sqlite: URLs as file paths', () => {
    expect(resolveMetaTarget('sqlite:/var/lib/meta.db', '/srv')).toEqual({
      engine: 'sqlite',
      path: '/var/lib/meta.db',
    });
    expect(resolveMetaTarget('sqlite:///var/lib/meta.db', '/srv')).toEqual({
      engine: 'sqlite',
      path: '/var/lib/meta.db',
    });
    expect(resolveMetaTarget('sqlite:meta/x.db', '/srv')).toEqual({ engine: 'sqlite', path: resolve('meta/x.db') });
    expect(resolveMetaTarget('sqlite::memory:', '/srv')).toEqual({ engine: 'sqlite', path: ':memory:' });
  });

  it('sends postgres:// and postgresql:// URLs to PostgreSQL unchanged', () => {
    const url = 'postgresql://app:pw@db.internal:5432/sightline?sslmode=require';
    expect(resolveMetaTarget(url, '/srv')).toEqual({ engine: 'postgres', url });
    expect(resolveMetaTarget('postgres://db/x', '/srv')).toEqual({ engine: 'postgres', url: 'postgres://db/x' });
  });

  it('rejects other schemes without echoing the URL, which may hold a password', () => {
    expect(() => resolveMetaTarget('mysql://root:hunter2@db/x', '/srv')).toThrow('got "mysql:"');
    expect(() => resolveMetaTarget('mysql://root:hunter2@db/x', '/srv')).not.toThrow(/hunter2/);
    expect(() => resolveMetaTarget('just-a-path.db', '/srv')).toThrow('got no scheme');
    expect(() => resolveMetaTarget('sqlite:', '/srv')).toThrow(/needs a file path/);
  });
});

describe('createMetaStore with SQLite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sightline-meta-index-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates <dataDir>/sightline.db, with missing parent directories, in WAL mode', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await createMetaStore({ dataDir });
    await store.migrate();
    await store.sites.create({ domain: 'embedded.example' });
    await store.close();

    const path = join(dataDir, 'sightline.db');
    expect(existsSync(path)).toBe(true);
    const raw = new SqliteDatabase(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('select domain from sites').all()).toEqual([{ domain: 'embedded.example' }]);
    } finally {
      raw.close();
    }
  });

  it('opens the file a sqlite: URL names, and does not migrate on open', async () => {
    const path = join(dir, 'elsewhere', 'meta.db');
    const store = await createMetaStore({ dataDir: join(dir, 'unused'), databaseUrl: `sqlite:${path}` });
    try {
      await expect(store.sites.list()).rejects.toThrow(/no such table/);
      await store.migrate();
      expect(await store.sites.list()).toEqual([]);
      expect(existsSync(path)).toBe(true);
      expect(existsSync(join(dir, 'unused'))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('survives a restart: a reopened file keeps its sites and salts', async () => {
    const first = await createMetaStore({ dataDir: dir });
    await first.migrate();
    const site = await first.sites.create({ domain: 'restart.example', timezone: 'Asia/Tokyo' });
    const salt = await first.salts.getOrCreate('2024-05-05');
    await first.close();

    const second = await createMetaStore({ dataDir: dir });
    try {
      await second.migrate();
      expect(await second.sites.findByDomain('restart.example')).toEqual(site);
      expect((await second.salts.get('2024-05-05'))?.equals(salt)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('rejects an unsupported DATABASE_URL', async () => {
    await expect(createMetaStore({ dataDir: dir, databaseUrl: 'mongodb://x' })).rejects.toThrow(
      /DATABASE_URL must start with/,
    );
  });
});

describe('createMetaStore with PostgreSQL', () => {
  it('does not connect on open, and health reports an unreachable server without throwing', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const store = await createMetaStore({
      dataDir: '/nonexistent',
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
    });
    try {
      const health = await store.health();
      expect(health.ok).toBe(false);
      expect(health.engine).toBe('postgresql');
      expect(health.detail).toMatch(/ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });
});
