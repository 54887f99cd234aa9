import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestKey } from '../domain/account.js';
import { createMetaStore } from '../storage/meta/index.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import { createIngestKeyUsage } from './ingest-key-usage.js';

let dataDir: string;
let meta: MetaStore;
let keyCounter = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sightline-key-usage-'));
  meta = await createMetaStore({ dataDir });
  await meta.migrate();
});

afterAll(async () => {
  await meta.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function newKey(): Promise<IngestKey> {
  keyCounter++;
  const site = await meta.sites.create({ domain: `usage-${keyCounter}.example`, timezone: 'UTC' });
  const user = await meta.users.create({ email: `u${keyCounter}@example.com`, name: 'U', passwordHash: null });
  return meta.ingestKeys.create({
    siteId: site.id,
    name: 'server',
    lookupId: `lookup${keyCounter}`.padEnd(8, '0').slice(0, 8),
    hash: `hash-${keyCounter}`,
    expiresAt: null,
    rateLimitPerMinute: 6000,
    createdBy: user.id,
  });
}

describe('ingest key usage', () => {
  it('sums requests in memory and writes one total per key on flush', async () => {
    const key = await newKey();
    const usage = createIngestKeyUsage({ keys: meta.ingestKeys, onError: (error) => expect.fail(String(error)) });
    const first = new Date('2026-03-01T12:00:00Z');
    const last = new Date('2026-03-01T12:00:03Z');
    usage.record(key.id, 10, first);
    usage.record(key.id, 5, last);
    usage.record(key.id, 0, new Date('2026-03-01T12:00:01Z'));
    expect(usage.pending(key.id)).toEqual({ events: 15, lastUsedAt: last });
    // nothing written yet: the store still shows an unused key
    expect((await meta.ingestKeys.findById(key.id))?.usageCount).toBe(0);

    await usage.flush();
    const stored = await meta.ingestKeys.findById(key.id);
    expect(stored?.usageCount).toBe(15);
    expect(stored?.lastUsedAt?.toISOString()).toBe(last.toISOString());
    expect(usage.pending(key.id)).toBeUndefined();

    usage.record(key.id, 2, new Date('2026-03-01T12:01:00Z'));
    await usage.stop();
    expect((await meta.ingestKeys.findById(key.id))?.usageCount).toBe(17);
  });

  it('writes on its own every interval once started', async () => {
    const key = await newKey();
    const usage = createIngestKeyUsage({ keys: meta.ingestKeys, intervalMs: 50, onError: () => undefined });
    usage.start();
    try {
      usage.record(key.id, 3, new Date());
      const deadline = Date.now() + 2_000;
      while ((await meta.ingestKeys.findById(key.id))?.usageCount !== 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await meta.ingestKeys.findById(key.id))?.usageCount).toBe(3);
    } finally {
      await usage.stop();
    }
  });

  it('keeps counts that could not be written and writes them on the next flush', async () => {
    const key = await newKey();
    const errors: unknown[] = [];
    let down = true;
    const usage = createIngestKeyUsage({
      keys: {
        recordUse: (id, events, at) =>
          down ? Promise.reject(new Error('database is away')) : meta.ingestKeys.recordUse(id, events, at),
      },
      onError: (error) => errors.push(error),
    });
    usage.record(key.id, 4, new Date());
    await usage.flush();
    expect(errors).toHaveLength(1);
    expect(usage.pending(key.id)?.events).toBe(4);

    usage.record(key.id, 1, new Date());
    down = false;
    await usage.flush();
    expect((await meta.ingestKeys.findById(key.id))?.usageCount).toBe(5);
    expect(usage.pending(key.id)).toBeUndefined();
  });

  it('still shows usage while it is being written, and never counts it twice', async () => {
    const key = await newKey();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const usage = createIngestKeyUsage({
      keys: { recordUse: async (id, events, at) => gate.then(() => meta.ingestKeys.recordUse(id, events, at)) },
      onError: (error) => expect.fail(String(error)),
    });
    usage.record(key.id, 7, new Date());
    const flushing = usage.flush();
    usage.record(key.id, 1, new Date());
    expect(usage.pending(key.id)?.events).toBe(8);
    const second = usage.flush();
    release();
    await Promise.all([flushing, second]);
    expect((await meta.ingestKeys.findById(key.id))?.usageCount).toBe(8);
  });
});
