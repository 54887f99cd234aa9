import type { Kysely, Selectable } from 'kysely';
import { USER_TOKEN_PURPOSES, type UserToken, type UserTokenPurpose } from '../../domain/account.js';
import { fromTimestamp, fromTimestampOrNull, isRowId, toIso, toIsoOrNull } from './columns.js';
import type { Database, UserTokensTable } from './database.js';
import type { UserTokenRepository } from './meta-store.js';

export function createUserTokenRepository(db: Kysely<Database>): UserTokenRepository {
  return {
    async create(token: UserToken): Promise<void> {
      await db
        .insertInto('user_tokens')
        .values({
          hash: token.hash,
          user_id: token.userId,
          purpose: token.purpose,
          new_email: token.newEmail,
          expires_at: toIso(token.expiresAt),
          used_at: toIsoOrNull(token.usedAt),
          created_at: toIso(token.createdAt),
        })
        .execute();
    },

    async consume(hash: string, purpose: UserTokenPurpose, now: Date): Promise<UserToken | undefined> {
      if (typeof hash !== 'string' || hash === '' || !isPurpose(purpose)) return undefined;
      const nowIso = toIso(now);
      // Check and mark in one UPDATE: of two clicks on one link at the same moment, only one sees `used_at` null.
      const row = await db
        .updateTable('user_tokens')
        .set({ used_at: nowIso })
        .where('hash', '=', hash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', nowIso)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toUserToken(row);
    },

    async deleteForUser(userId: number, purpose: UserTokenPurpose): Promise<number> {
      if (!isRowId(userId) || !isPurpose(purpose)) return 0;
      const result = await db
        .deleteFrom('user_tokens')
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpired(now: Date): Promise<number> {
      const result = await db.deleteFrom('user_tokens').where('expires_at', '<=', toIso(now)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function isPurpose(value: unknown): value is UserTokenPurpose {
  return (USER_TOKEN_PURPOSES as readonly unknown[]).includes(value);
}

function toUserToken(row: Selectable<UserTokensTable>): UserToken {
  return {
    hash: row.hash,
    userId: Number(row.user_id),
    purpose: row.purpose as UserTokenPurpose,
    newEmail: row.new_email,
    expiresAt: fromTimestamp(row.expires_at),
    usedAt: fromTimestampOrNull(row.used_at),
    createdAt: fromTimestamp(row.created_at),
  };
}
