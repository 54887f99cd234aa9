import type { Kysely, Selectable } from 'kysely';
import type { Shield, ShieldKind } from '../../domain/account.js';
import { fromTimestamp, isRowId } from './columns.js';
import type { Database, ShieldsTable } from './database.js';
import type { ShieldRepository } from './meta-store.js';

export function createShieldRepository(db: Kysely<Database>): ShieldRepository {
  return {
    async create(shield: Omit<Shield, 'id' | 'createdAt'>): Promise<Shield> {
      const row = await db
        .insertInto('shields')
        .values({
          site_id: shield.siteId,
          kind: shield.kind,
          value: shield.value,
          description: shield.description,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toShield(row);
    },

    async listForSite(siteId: number): Promise<Shield[]> {
      if (!isRowId(siteId)) return [];
      const rows = await db.selectFrom('shields').selectAll().where('site_id', '=', siteId).orderBy('id').execute();
      return rows.map(toShield);
    },

    async findById(id: number): Promise<Shield | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('shields').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toShield(row);
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db.deleteFrom('shields').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toShield(row: Selectable<ShieldsTable>): Shield {
  return {
    id: Number(row.id),
    siteId: Number(row.site_id),
    kind: row.kind as ShieldKind,
    value: row.value,
    description: row.description,
    createdAt: fromTimestamp(row.created_at),
  };
}
