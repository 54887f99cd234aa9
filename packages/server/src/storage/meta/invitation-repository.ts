import type { Kysely, Selectable } from 'kysely';
import type { Invitation, SiteRole } from '../../domain/account.js';
import { fromTimestamp, fromTimestampOrNull, isRowId, toIso } from './columns.js';
import type { Database, InvitationsTable } from './database.js';
import type { InvitationRepository } from './meta-store.js';

export function createInvitationRepository(db: Kysely<Database>): InvitationRepository {
  return {
    async create(invitation: Omit<Invitation, 'id' | 'acceptedAt' | 'createdAt'>): Promise<Invitation> {
      const row = await db
        .insertInto('invitations')
        .values({
          site_id: invitation.siteId,
          email: invitation.email,
          role: invitation.role,
          token_hash: invitation.tokenHash,
          invited_by: invitation.invitedBy,
          expires_at: toIso(invitation.expiresAt),
          accepted_at: null,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInvitation(row);
    },

    async findByTokenHash(hash: string): Promise<Invitation | undefined> {
      if (typeof hash !== 'string' || hash === '') return undefined;
      const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      return row === undefined ? undefined : toInvitation(row);
    },

    async findById(id: number): Promise<Invitation | undefined> {
      if (!isRowId(id)) return undefined;
      const row = await db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toInvitation(row);
    },

    async listPendingForSite(siteId: number, now: Date): Promise<Invitation[]> {
      if (!isRowId(siteId)) return [];
      const rows = await db
        .selectFrom('invitations')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', toIso(now))
        .orderBy('id')
        .execute();
      return rows.map(toInvitation);
    },

    async accept(id: number, now: Date): Promise<boolean> {
      if (!isRowId(id)) return false;
      const nowIso = toIso(now);
      // Condition and write in one UPDATE: an invitation followed twice at once is accepted once.
      const result = await db
        .updateTable('invitations')
        .set({ accepted_at: nowIso })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', nowIso)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      const result = await db.deleteFrom('invitations').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toInvitation(row: Selectable<InvitationsTable>): Invitation {
  return {
    id: Number(row.id),
    siteId: Number(row.site_id),
    email: row.email,
    role: row.role as SiteRole,
    tokenHash: row.token_hash,
    invitedBy: Number(row.invited_by),
    expiresAt: fromTimestamp(row.expires_at),
    acceptedAt: fromTimestampOrNull(row.accepted_at),
    createdAt: fromTimestamp(row.created_at),
  };
}
