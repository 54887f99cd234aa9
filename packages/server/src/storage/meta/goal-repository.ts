import type { Kysely, Selectable } from 'kysely';
import type { StoredGoal } from '../../domain/account.js';
import { fromTimestamp, isRowId } from './columns.js';
import type { Database, GoalsTable, MetaEngine } from './database.js';
import { isUniqueViolation } from './errors.js';
import { DuplicateNameError, type GoalRepository } from './meta-store.js';
import { GOALS_NAME_UNIQUE } from './migrations.js';

export function createGoalRepository(db: Kysely<Database>, engine: MetaEngine): GoalRepository {
  return {
    async create(goal: Omit<StoredGoal, 'id' | 'createdAt'>): Promise<StoredGoal> {
      try {
        const row = await db
          .insertInto('goals')
          .values({
            site_id: goal.siteId,
            kind: goal.kind,
            path_pattern: goal.pathPattern,
            event_name: goal.eventName,
            display_name: goal.displayName,
            created_at: new Date().toISOString(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toGoal(row);
      } catch (error) {
        if (isUniqueViolation(error, engine, GOALS_NAME_UNIQUE)) throw new DuplicateNameError('goal', goal.displayName);
        throw error;
      }
    },

    async listForSite(siteId: number): Promise<StoredGoal[]> {
      if (!isRowId(siteId)) return [];
      const rows = await db.selectFrom('goals').selectAll().where('site_id', '=', siteId).orderBy('id').execute();
      return rows.map(toGoal);
    },

    async findById(id: number): Promise<StoredGoal | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('goals').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toGoal(row);
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db.deleteFrom('goals').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toGoal(row: Selectable<GoalsTable>): StoredGoal {
  return {
    id: Number(row.id),
    siteId: Number(row.site_id),
    kind: row.kind as StoredGoal['kind'],
    pathPattern: row.path_pattern,
    eventName: row.event_name,
    displayName: row.display_name,
    createdAt: fromTimestamp(row.created_at),
  };
}
