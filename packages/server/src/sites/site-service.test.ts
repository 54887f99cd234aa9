import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRows } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { createMetaStore } from '../storage/meta/index.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import { createSiteService, type SiteService, TransferError } from './site-service.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sightline-site-service-'));
let meta: MetaStore;
let events: EventStore;
let service: SiteService;
let batch = 0;

async function countFor(siteId: number): Promise<number> {
  const [row] = await events.query<{ n: string }>(
    `SELECT count() AS n FROM ${events.eventsTable} WHERE site_id = {site:UInt32}`,
    { site: siteId },
  );
  return Number(row?.n);
}

async function insertFor(siteId: number, count: number) {
  batch++;
  await events.insertBatch(
    sampleEventRows(count).map((row) => ({ ...row, site_id: siteId })),
    `site-service-${batch}`,
  );
}

beforeAll(async () => {
  meta = await createMetaStore({ dataDir: join(dataDir, 'meta') });
  await meta.migrate();
  events = createChdbEventStore({ dataDir: join(dataDir, 'events'), database: `t_${randomBytes(5).toString('hex')}` });
  await events.migrate();
  service = createSiteService({
    meta,
    events,
    logger: createLogger({ level: 'silent' }),
    sweepDelayMs: 200,
    retryDelaysMs: [100],
  });
});

afterAll(async () => {
  service?.close();
  await events?.close();
  await meta?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('deleteSite', () => {
  it('removes the events and the site, then sweeps events that were still on their way', async () => {
    const site = await meta.sites.create({ domain: 'gone.example' });
    const neighbour = await meta.sites.create({ domain: 'stays.example' });
    await insertFor(site.id, 12);
    await insertFor(neighbour.id, 5);

    await service.deleteSite(site);
    expect(await countFor(site.id)).toBe(0);
    expect(await meta.sites.findById(site.id)).toBeUndefined();

    // A batch for the old id lands after the delete (journal flush, or an ingest node's cached site).
    await insertFor(site.id, 3);
    expect(await countFor(site.id)).toBe(3);
    await until(async () => (await countFor(site.id)) === 0);
    expect(await countFor(neighbour.id)).toBe(5);
  });
});

describe('transferSite', () => {
  it('needs the new owner to be a member already, and not the owner', async () => {
    const site = await meta.sites.create({ domain: 'transfer.example' });
    const owner = await meta.users.create({ email: 'o@example.com', name: 'O', passwordHash: null });
    const member = await meta.users.create({ email: 'm@example.com', name: 'M', passwordHash: null });
    await meta.users.create({ email: 'outsider@example.com', name: 'X', passwordHash: null });
    await meta.members.upsert(site.id, owner.id, 'owner');
    await meta.members.upsert(site.id, member.id, 'viewer');

    await expect(service.transferSite(site, owner, 'outsider@example.com')).rejects.toThrow(
      /outsider@example\.com is not a member of transfer\.example; invite them first/,
    );
    await expect(service.transferSite(site, owner, 'nobody@example.com')).rejects.toBeInstanceOf(TransferError);
    await expect(service.transferSite(site, owner, 'o@example.com')).rejects.toThrow(/already own/);

    expect((await service.transferSite(site, owner, 'm@example.com')).id).toBe(member.id);
    expect((await meta.members.find(site.id, member.id))?.role).toBe('owner');
    expect((await meta.members.find(site.id, owner.id))?.role).toBe('admin');
  });
});
