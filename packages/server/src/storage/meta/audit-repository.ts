import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry, NewAuditEntry } from '../../domain/account.js';
import { fromTimestamp, isPlainObject, isRowId, parseJson, toIso } from './columns.js';
import type { AuditLogTable, Database } from './database.js';
import type { AuditRepository } from './meta-store.js';

/** Entries returned when the caller names no limit, and the most it may ask for. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async append(entry: NewAuditEntry): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({
          user_id: entry.userId,
          site_id: entry.siteId,
          action: entry.action,
          ip: entry.ip,
          country: entry.country,
          user_agent: entry.userAgent,
          details: JSON.stringify(entry.details ?? {}),
          created_at: toIso(entry.createdAt ?? new Date()),
        })
        .execute();
    },

    async listForUser(userId: number, options: { limit?: number; before?: Date } = {}): Promise<AuditEntry[]> {
      if (!isRowId(userId)) return [];
      const requested = options.limit ?? DEFAULT_LIMIT;
      const limit = Number.isInteger(requested) ? Math.min(Math.max(requested, 0), MAX_LIMIT) : DEFAULT_LIMIT;
      if (limit === 0) return [];
      let query = db.selectFrom('audit_log').selectAll().where('user_id', '=', userId);
      if (options.before !== undefined) query = query.where('created_at', '<', toIso(options.before));
      // id breaks ties between entries of the same millisecond, newest (highest id) first.
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toAuditEntry);
    },

    async deleteBefore(cutoff: Date): Promise<number> {
      const result = await db.deleteFrom('audit_log').where('created_at', '<', toIso(cutoff)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: Number(row.id),
    userId: row.user_id === null ? null : Number(row.user_id),
    siteId: row.site_id === null ? null : Number(row.site_id),
    action: row.action,
    ip: row.ip,
    country: row.country,
    userAgent: row.user_agent,
    details: parseJson(row.details, isPlainObject, {}),
    createdAt: fromTimestamp(row.created_at),
  };
}
