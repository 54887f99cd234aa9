import type { Kysely, Selectable } from 'kysely';
import type { ShareLink } from '../../domain/account.js';
import { fromTimestamp, isRowId } from './columns.js';
import type { Database, ShareLinksTable } from './database.js';
import type { ShareLinkRepository } from './meta-store.js';

export function createShareLinkRepository(db: Kysely<Database>): ShareLinkRepository {
  return {
    async create(link: Omit<ShareLink, 'id' | 'createdAt'>): Promise<ShareLink> {
      const row = await db
        .insertInto('share_links')
        .values({
          site_id: link.siteId,
          slug: link.slug,
          name: link.name,
          password_hash: link.passwordHash,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toShareLink(row);
    },

    async findBySlug(slug: string): Promise<ShareLink | undefined> {
      if (typeof slug !== 'string' || slug === '') return undefined;
      const row = await db.selectFrom('share_links').selectAll().where('slug', '=', slug).executeTakeFirst();
      return row === undefined ? undefined : toShareLink(row);
    },

    async findById(id: number): Promise<ShareLink | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('share_links').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toShareLink(row);
    },

    async listForSite(siteId: number): Promise<ShareLink[]> {
      if (!isRowId(siteId)) return [];
      const rows = await db.selectFrom('share_links').selectAll().where('site_id', '=', siteId).orderBy('id').execute();
      return rows.map(toShareLink);
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db.deleteFrom('share_links').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toShareLink(row: Selectable<ShareLinksTable>): ShareLink {
  return {
    id: Number(row.id),
    siteId: Number(row.site_id),
    slug: row.slug,
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: fromTimestamp(row.created_at),
  };
}
