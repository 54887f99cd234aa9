import { describe, expect, it } from 'vitest';
import { META_TEST_ENGINES, useMigratedMetaStore } from './test-engines.fixture.js';

const NOW = new Date('2025-05-05T05:05:05.000Z');

describe.each(META_TEST_ENGINES)('MFA backup codes on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  it('stores a set of codes and lists the unused ones', async () => {
    const user = await meta.user();
    await meta.store.backupCodes.replace(user.id, ['c', 'a', 'b']);
    expect(await meta.store.backupCodes.listUnused(user.id)).toEqual(['a', 'b', 'c']);
  });

  it('uses a code once', async () => {
    const user = await meta.user();
    await meta.store.backupCodes.replace(user.id, ['one', 'two']);
    expect(await meta.store.backupCodes.markUsed(user.id, 'one', NOW)).toBe(true);
    expect(await meta.store.backupCodes.markUsed(user.id, 'one', NOW)).toBe(false);
    expect(await meta.store.backupCodes.markUsed(user.id, 'missing', NOW)).toBe(false);
    expect(await meta.store.backupCodes.listUnused(user.id)).toEqual(['two']);
  });

  it('a code is one user’s only', async () => {
    const owner = await meta.user();
    const other = await meta.user();
    await meta.store.backupCodes.replace(owner.id, ['mine']);
    expect(await meta.store.backupCodes.markUsed(other.id, 'mine', NOW)).toBe(false);
    expect(await meta.store.backupCodes.listUnused(owner.id)).toEqual(['mine']);
  });

  it('lets exactly one of several simultaneous uses of one code through', async () => {
    const user = await meta.user();
    await meta.store.backupCodes.replace(user.id, ['race']);
    const other = await meta.openAnother();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        (index % 2 === 0 ? meta.store : other).backupCodes.markUsed(user.id, 'race', NOW),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('regenerating voids the old set, used and unused', async () => {
    const user = await meta.user();
    await meta.store.backupCodes.replace(user.id, ['old-1', 'old-2']);
    await meta.store.backupCodes.markUsed(user.id, 'old-1', NOW);
    await meta.store.backupCodes.replace(user.id, ['new-1', 'new-2', 'new-2']);
    expect(await meta.store.backupCodes.listUnused(user.id)).toEqual(['new-1', 'new-2']);
    expect(await meta.store.backupCodes.markUsed(user.id, 'old-2', NOW)).toBe(false);
  });

  it('deletes all of a user’s codes (MFA turned off)', async () => {
    const user = await meta.user();
    await meta.store.backupCodes.replace(user.id, ['x', 'y']);
    await meta.store.backupCodes.deleteForUser(user.id);
    expect(await meta.store.backupCodes.listUnused(user.id)).toEqual([]);
    await meta.store.backupCodes.replace(user.id, []);
    expect(await meta.store.backupCodes.listUnused(user.id)).toEqual([]);
  });

  it('answers empty/false for impossible user ids', async () => {
    expect(await meta.store.backupCodes.listUnused(2 ** 33)).toEqual([]);
    expect(await meta.store.backupCodes.markUsed(-1, 'x', NOW)).toBe(false);
  });
});
