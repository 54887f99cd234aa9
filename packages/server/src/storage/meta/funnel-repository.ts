import type { Kysely, Selectable } from 'kysely';
import type { StoredFunnel } from '../../domain/account.js';
import { fromTimestamp, isRowId, isStringArray, parseJson } from './columns.js';
import type { Database, FunnelsTable, MetaEngine } from './database.js';
import { isUniqueViolation } from './errors.js';
import { DuplicateNameError, type FunnelRepository } from './meta-store.js';
import { FUNNELS_NAME_UNIQUE } from './migrations.js';

export function createFunnelRepository(db: Kysely<Database>, engine: MetaEngine): FunnelRepository {
  return {
    async create(funnel: Omit<StoredFunnel, 'id' | 'createdAt'>): Promise<StoredFunnel> {
      try {
        const row = await db
          .insertInto('funnels')
          .values({
            site_id: funnel.siteId,
            name: funnel.name,
            steps: JSON.stringify(funnel.steps),
            created_at: new Date().toISOString(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toFunnel(row);
      } catch (error) {
        if (isUniqueViolation(error, engine, FUNNELS_NAME_UNIQUE)) throw new DuplicateNameError('funnel', funnel.name);
        throw error;
      }
    },

    async listForSite(siteId: number): Promise<StoredFunnel[]> {
      if (!isRowId(siteId)) return [];
      const rows = await db.selectFrom('funnels').selectAll().where('site_id', '=', siteId).orderBy('id').execute();
      return rows.map(toFunnel);
    },

    async findById(id: number): Promise<StoredFunnel | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('funnels').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toFunnel(row);
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db.deleteFrom('funnels').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toFunnel(row: Selectable<FunnelsTable>): StoredFunnel {
  return {
    id: Number(row.id),
    siteId: Number(row.site_id),
    name: row.name,
    steps: parseJson(row.steps, isStringArray, []),
    createdAt: fromTimestamp(row.created_at),
  };
}
