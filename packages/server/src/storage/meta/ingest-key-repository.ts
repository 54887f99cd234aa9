import { type Kysely, type Selectable, sql } from 'kysely';
import type { IngestKey } from '../../domain/account.js';
import {
  fromCount,
  fromTimestamp,
  fromTimestampOrNull,
  isRowId,
  timestampValue,
  toIso,
  toIsoOrNull,
} from './columns.js';
import type { Database, IngestKeysTable, MetaEngine } from './database.js';
import type { IngestKeyRepository } from './meta-store.js';

export function createIngestKeyRepository(db: Kysely<Database>, engine: MetaEngine): IngestKeyRepository {
  return {
    async create(
      key: Omit<IngestKey, 'id' | 'lastUsedAt' | 'usageCount' | 'revokedAt' | 'createdAt'>,
    ): Promise<IngestKey> {
      const row = await db
        .insertInto('ingest_keys')
        .values({
          site_id: key.siteId,
          name: key.name,
          lookup_id: key.lookupId,
          hash: key.hash,
          expires_at: toIsoOrNull(key.expiresAt),
          last_used_at: null,
          usage_count: 0,
          rate_limit_per_minute: key.rateLimitPerMinute,
          revoked_at: null,
          created_by: key.createdBy,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toIngestKey(row);
    },

    async findByHash(hash: string): Promise<IngestKey | undefined> {
      if (typeof hash !== 'string' || hash === '') return undefined;
      const row = await db.selectFrom('ingest_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row === undefined ? undefined : toIngestKey(row);
    },

    async findById(id: number): Promise<IngestKey | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('ingest_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toIngestKey(row);
    },

    async listForSite(siteId: number): Promise<IngestKey[]> {
      if (!isRowId(siteId)) return [];
      const rows = await db.selectFrom('ingest_keys').selectAll().where('site_id', '=', siteId).orderBy('id').execute();
      return rows.map(toIngestKey);
    },

    async recordUse(id: number, events: number, lastUsedAt: Date): Promise<void> {
      if (!Number.isSafeInteger(events) || events < 0) {
        throw new RangeError(`events must be a non-negative integer, got ${events}`);
      }
      if (!isRowId(id)) return;
      const used = timestampValue(engine, lastUsedAt);
      // Adds in the database (not read-modify-write), so batches flushed by several nodes all count; last-used
      // only moves forward because those batches may arrive out of order.
      await db
        .updateTable('ingest_keys')
        .set({
          usage_count: sql<number>`usage_count + ${events}`,
          last_used_at: sql<string>`case when last_used_at is null or last_used_at < ${used} then ${used} else last_used_at end`,
        })
        .where('id', '=', id)
        .execute();
    },

    async replaceSecret(id: number, lookupId: string, hash: string): Promise<IngestKey | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db
        .updateTable('ingest_keys')
        .set({ lookup_id: lookupId, hash })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toIngestKey(row);
    },

    async revoke(id: number, now: Date): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db
        .updateTable('ingest_keys')
        .set({ revoked_at: toIso(now) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function toIngestKey(row: Selectable<IngestKeysTable>): IngestKey {
  return {
    id: Number(row.id),
    siteId: Number(row.site_id),
    name: row.name,
    lookupId: row.lookup_id,
    hash: row.hash,
    expiresAt: fromTimestampOrNull(row.expires_at),
    lastUsedAt: fromTimestampOrNull(row.last_used_at),
    usageCount: fromCount(row.usage_count),
    rateLimitPerMinute: Number(row.rate_limit_per_minute),
    revokedAt: fromTimestampOrNull(row.revoked_at),
    createdBy: Number(row.created_by),
    createdAt: fromTimestamp(row.created_at),
  };
}
