import { describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../domain/account.js';
import { META_TEST_ENGINES, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('audit log on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  function entry(userId: number, createdAt: Date, action = 'login.succeeded'): NewAuditEntry {
    return {
      userId,
      siteId: null,
      action,
      ip: '2001:db8::1',
      country: 'SE',
      userAgent: 'curl/8',
      details: { method: 'password', attempts: 2, nested: { ok: true } },
      createdAt,
    };
  }

  it('appends entries and lists a user’s own, newest first, with their details', async () => {
    const user = await meta.user();
    const other = await meta.user();
    const site = await meta.site();
    await meta.store.audit.append(entry(user.id, new Date('2025-01-01T00:00:00.000Z'), 'login.failed'));
    await meta.store.audit.append({ ...entry(user.id, new Date('2025-01-02T00:00:00.000Z')), siteId: site.id });
    await meta.store.audit.append(entry(other.id, new Date('2025-01-03T00:00:00.000Z')));
    const log = await meta.store.audit.listForUser(user.id);
    expect(log.map((each) => each.action)).toEqual(['login.succeeded', 'login.failed']);
    expect(log[0]).toMatchObject({
      userId: user.id,
      siteId: site.id,
      ip: '2001:db8::1',
      country: 'SE',
      userAgent: 'curl/8',
      details: { method: 'password', attempts: 2, nested: { ok: true } },
      createdAt: new Date('2025-01-02T00:00:00.000Z'),
    });
    expect(Number.isInteger(log[0]?.id)).toBe(true);
  });

  it('stamps the current time when none is given', async () => {
    const user = await meta.user();
    const before = Date.now();
    const { createdAt: _omitted, ...withoutTime } = entry(user.id, new Date());
    await meta.store.audit.append(withoutTime);
    const [stored] = await meta.store.audit.listForUser(user.id);
    expect(stored?.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(stored?.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('pages with limit and before', async () => {
    const user = await meta.user();
    for (let day = 1; day <= 5; day++) {
      await meta.store.audit.append(entry(user.id, new Date(`2025-02-0${day}T00:00:00.000Z`), `action.${day}`));
    }
    const firstPage = await meta.store.audit.listForUser(user.id, { limit: 2 });
    expect(firstPage.map((each) => each.action)).toEqual(['action.5', 'action.4']);
    const nextPage = await meta.store.audit.listForUser(user.id, { limit: 2, before: firstPage[1]?.createdAt });
    expect(nextPage.map((each) => each.action)).toEqual(['action.3', 'action.2']);
    expect(await meta.store.audit.listForUser(user.id, { limit: 0 })).toEqual([]);
    expect(await meta.store.audit.listForUser(2 ** 35)).toEqual([]);
  });

  it('deletes entries older than the retention cutoff', async () => {
    const user = await meta.user();
    await meta.store.audit.append(entry(user.id, new Date('2019-01-01T00:00:00.000Z'), 'old'));
    await meta.store.audit.append(entry(user.id, new Date('2019-06-01T00:00:00.000Z'), 'cutoff'));
    expect(await meta.store.audit.deleteBefore(new Date('2019-06-01T00:00:00.000Z'))).toBe(1);
    expect((await meta.store.audit.listForUser(user.id)).map((each) => each.action)).toEqual(['cutoff']);
  });
});
