import type { Kysely } from 'kysely';
import { isRowId, toIso } from './columns.js';
import type { Database } from './database.js';
import type { BackupCodeRepository } from './meta-store.js';

export function createBackupCodeRepository(db: Kysely<Database>): BackupCodeRepository {
  return {
    async replace(userId: number, hashes: readonly string[]): Promise<void> {
      if (!isRowId(userId)) throw new RangeError(`Not a user id: ${userId}`);
      const createdAt = new Date().toISOString();
      const unique = [...new Set(hashes)];
      // One transaction: a sign-in never sees the old set gone and the new one not yet there.
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
        if (unique.length === 0) return;
        await trx
          .insertInto('backup_codes')
          .values(unique.map((hash) => ({ user_id: userId, hash, used_at: null, created_at: createdAt })))
          .execute();
      });
    },

    async listUnused(userId: number): Promise<string[]> {
      if (!isRowId(userId)) return [];
      const rows = await db
        .selectFrom('backup_codes')
        .select('hash')
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .orderBy('hash')
        .execute();
      return rows.map((row) => row.hash);
    },

    async markUsed(userId: number, hash: string, now: Date): Promise<boolean> {
      if (!isRowId(userId) || typeof hash !== 'string' || hash === '') return false;
      // The `used_at is null` condition in the same UPDATE makes a code good for exactly one sign-in.
      const result = await db
        .updateTable('backup_codes')
        .set({ used_at: toIso(now) })
        .where('user_id', '=', userId)
        .where('hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteForUser(userId: number): Promise<void> {
      if (!isRowId(userId)) return;
      await db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
    },
  };
}
