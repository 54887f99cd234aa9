import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import { API_KEY_SCOPES, type ApiKey, type ApiKeyScope } from '../../domain/account.js';
import {
  fromTimestamp,
  fromTimestampOrNull,
  isRowId,
  isStringArray,
  parseJson,
  timestampValue,
  toIsoOrNull,
} from './columns.js';
import type { ApiKeysTable, Database, MetaEngine } from './database.js';
import type { ApiKeyRepository } from './meta-store.js';

export function createApiKeyRepository(db: Kysely<Database>, engine: MetaEngine): ApiKeyRepository {
  return {
    async create(key: Omit<ApiKey, 'id' | 'lastUsedAt' | 'createdAt'>): Promise<ApiKey> {
      const row = await db
        .insertInto('api_keys')
        .values({
          user_id: key.userId,
          name: key.name,
          lookup_id: key.lookupId,
          hash: key.hash,
          scopes: JSON.stringify(key.scopes.filter(isScope)),
          expires_at: toIsoOrNull(key.expiresAt),
          last_used_at: null,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiKey(row);
    },

    async findByHash(hash: string): Promise<ApiKey | undefined> {
      if (typeof hash !== 'string' || hash === '') return undefined;
      const row = await db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async findById(id: number): Promise<ApiKey | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async listForUser(userId: number): Promise<ApiKey[]> {
      if (!isRowId(userId)) return [];
      const rows = await db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('id').execute();
      return rows.map(toApiKey);
    },

    async touch(id: number, lastUsedAt: Date): Promise<void> {
      if (!isRowId(id)) return;
      const used = timestampValue(engine, lastUsedAt);
      // Never backwards: batched touches from several nodes may arrive out of order.
      await db
        .updateTable('api_keys')
        .set({
          last_used_at: sql<string>`case when last_used_at is null or last_used_at < ${used} then ${used} else last_used_at end`,
        })
        .where('id', '=', id)
        .execute();
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function isScope(value: unknown): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly unknown[]).includes(value);
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    lookupId: row.lookup_id,
    hash: row.hash,
    // A scope this version does not know grants nothing.
    scopes: parseJson(row.scopes, isStringArray, []).filter(isScope),
    expiresAt: fromTimestampOrNull(row.expires_at),
    lastUsedAt: fromTimestampOrNull(row.last_used_at),
    createdAt: fromTimestamp(row.created_at),
  };
}
