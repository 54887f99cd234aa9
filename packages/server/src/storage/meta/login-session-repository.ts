import type { Kysely, Selectable } from 'kysely';
import type { LoginSession } from '../../domain/account.js';
import { fromTimestamp, isRowId, toIso } from './columns.js';
import type { Database, LoginSessionsTable } from './database.js';
import type { LoginSessionRepository } from './meta-store.js';

export function createLoginSessionRepository(db: Kysely<Database>): LoginSessionRepository {
  return {
    async create(session: LoginSession): Promise<void> {
      await db
        .insertInto('login_sessions')
        .values({
          id: session.id,
          user_id: session.userId,
          user_agent: session.userAgent,
          country: session.country,
          created_at: toIso(session.createdAt),
          last_seen_at: toIso(session.lastSeenAt),
          expires_at: toIso(session.expiresAt),
        })
        .execute();
    },

    async findById(id: string): Promise<LoginSession | undefined> {
      if (!isKey(id)) return undefined;
      const row = await db.selectFrom('login_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toLoginSession(row);
    },

    async touch(id: string, lastSeenAt: Date): Promise<void> {
      if (!isKey(id)) return;
      const seen = toIso(lastSeenAt);
      // Only forward: two requests of one browser may finish out of order.
      await db
        .updateTable('login_sessions')
        .set({ last_seen_at: seen })
        .where('id', '=', id)
        .where('last_seen_at', '<', seen)
        .execute();
    },

    async listForUser(userId: number): Promise<LoginSession[]> {
      if (!isRowId(userId)) return [];
      const rows = await db
        .selectFrom('login_sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('last_seen_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toLoginSession);
    },

    async deleteForUser(userId: number, id: string): Promise<boolean> {
      if (!isRowId(userId) || !isKey(id)) return false;
      const result = await db
        .deleteFrom('login_sessions')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async deleteAllForUser(userId: number, keepId?: string): Promise<number> {
      if (!isRowId(userId)) return 0;
      let query = db.deleteFrom('login_sessions').where('user_id', '=', userId);
      if (keepId !== undefined) query = query.where('id', '<>', keepId);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpired(now: Date, idleBefore: Date): Promise<number> {
      const nowIso = toIso(now);
      const idleIso = toIso(idleBefore);
      const result = await db
        .deleteFrom('login_sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', nowIso), eb('last_seen_at', '<', idleIso)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** Session ids are hashes: a non-string or empty one cannot match and is answered without a query. */
function isKey(id: unknown): id is string {
  return typeof id === 'string' && id !== '';
}

function toLoginSession(row: Selectable<LoginSessionsTable>): LoginSession {
  return {
    id: row.id,
    userId: Number(row.user_id),
    userAgent: row.user_agent,
    country: row.country,
    createdAt: fromTimestamp(row.created_at),
    lastSeenAt: fromTimestamp(row.last_seen_at),
    expiresAt: fromTimestamp(row.expires_at),
  };
}
