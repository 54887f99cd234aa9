import type { Kysely, Selectable } from 'kysely';
import { SITE_ROLES, type SiteMember, type SiteRole } from '../../domain/account.js';
import type { Site } from '../../domain/site.js';
import { fromTimestamp, isRowId } from './columns.js';
import type { Database, MetaEngine, SiteMembersTable } from './database.js';
import type { MemberRepository } from './meta-store.js';
import { toSite } from './site-repository.js';

export function createMemberRepository(db: Kysely<Database>, engine: MetaEngine): MemberRepository {
  return {
    async upsert(siteId: number, userId: number, role: SiteRole): Promise<SiteMember> {
      assertIds(siteId, userId);
      if (!isRole(role)) throw new RangeError(`Not a site role: ${String(role)}`);
      // One statement, so two concurrent invitations for one person cannot both insert.
      const row = await db
        .insertInto('site_members')
        .values({ site_id: siteId, user_id: userId, role, created_at: new Date().toISOString() })
        .onConflict((conflict) => conflict.columns(['site_id', 'user_id']).doUpdateSet({ role }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMember(row);
    },

    async find(siteId: number, userId: number): Promise<SiteMember | undefined> {
      if (!isRowId(siteId) || !isRowId(userId)) return undefined;
      const row = await db
        .selectFrom('site_members')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toMember(row);
    },

    async remove(siteId: number, userId: number): Promise<boolean> {
      if (!isRowId(siteId) || !isRowId(userId)) return false;
      const result = await db
        .deleteFrom('site_members')
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async listForSite(siteId: number): Promise<Array<SiteMember & { email: string; name: string }>> {
      if (!isRowId(siteId)) return [];
      const rows = await db
        .selectFrom('site_members')
        .innerJoin('users', 'users.id', 'site_members.user_id')
        .selectAll('site_members')
        .select(['users.email', 'users.name'])
        .where('site_members.site_id', '=', siteId)
        .orderBy('site_members.created_at')
        .orderBy('site_members.user_id')
        .execute();
      return rows.map((row) => ({ ...toMember(row), email: row.email, name: row.name }));
    },

    async listSitesForUser(userId: number): Promise<Array<{ site: Site; role: SiteRole }>> {
      if (!isRowId(userId)) return [];
      const rows = await db
        .selectFrom('site_members')
        .innerJoin('sites', 'sites.id', 'site_members.site_id')
        .selectAll('sites')
        .select('site_members.role')
        .where('site_members.user_id', '=', userId)
        .orderBy('sites.id')
        .execute();
      return rows.map((row) => ({ site: toSite(row), role: row.role as SiteRole }));
    },

    async transferOwnership(siteId: number, newOwnerId: number): Promise<void> {
      assertIds(siteId, newOwnerId);
      // One transaction: the site is never seen without an owner, nor with the old and the new one both owning it.
      await db.transaction().execute(async (trx) => {
        if (engine === 'postgres') {
          // Lock the site row so concurrent transfers of one site run one after another: otherwise each demotes
          // only the owners its snapshot saw, and two new owners could both survive.
          await trx.selectFrom('sites').select('id').where('id', '=', siteId).forNoKeyUpdate().execute();
        }
        // On SQLite this write comes first so the transaction takes the database's write lock at once (SQLite runs
        // one writer at a time), instead of upgrading from a read snapshot that another writer may have outdated.
        await trx
          .updateTable('site_members')
          .set({ role: 'admin' })
          .where('site_id', '=', siteId)
          .where('role', '=', 'owner')
          .where('user_id', '<>', newOwnerId)
          .execute();
        const site = await trx.selectFrom('sites').select('id').where('id', '=', siteId).executeTakeFirst();
        const user = await trx.selectFrom('users').select('id').where('id', '=', newOwnerId).executeTakeFirst();
        if (site === undefined || user === undefined) {
          // Thrown inside the transaction, so the demotion above is rolled back.
          throw new Error(`Cannot transfer site ${siteId} to user ${newOwnerId}: the site or the user does not exist`);
        }
        await trx
          .insertInto('site_members')
          .values({ site_id: siteId, user_id: newOwnerId, role: 'owner', created_at: new Date().toISOString() })
          .onConflict((conflict) => conflict.columns(['site_id', 'user_id']).doUpdateSet({ role: 'owner' }))
          .execute();
      });
    },
  };
}

function isRole(value: unknown): value is SiteRole {
  return (SITE_ROLES as readonly unknown[]).includes(value);
}

/** Writes naming a row that cannot exist are a caller's bug, not a lookup miss. */
function assertIds(siteId: number, userId: number): void {
  if (!isRowId(siteId)) throw new RangeError(`Not a site id: ${siteId}`);
  if (!isRowId(userId)) throw new RangeError(`Not a user id: ${userId}`);
}

function toMember(row: Selectable<SiteMembersTable>): SiteMember {
  return {
    siteId: Number(row.site_id),
    userId: Number(row.user_id),
    role: row.role as SiteRole,
    createdAt: fromTimestamp(row.created_at),
  };
}
