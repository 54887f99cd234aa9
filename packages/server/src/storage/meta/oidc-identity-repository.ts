import type { Kysely } from 'kysely';
import { isRowId } from './columns.js';
import type { Database } from './database.js';
import type { OidcIdentityRepository } from './meta-store.js';

export function createOidcIdentityRepository(db: Kysely<Database>): OidcIdentityRepository {
  async function findUserId(issuer: string, subject: string): Promise<number | undefined> {
    if (typeof issuer !== 'string' || typeof subject !== 'string') return undefined;
    const row = await db
      .selectFrom('oidc_identities')
      .select('user_id')
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.user_id);
  }

  return {
    findUserId,

    async link(issuer: string, subject: string, userId: number): Promise<void> {
      if (!isRowId(userId)) throw new RangeError(`Not a user id: ${userId}`);
      // Linking twice (a retried request, two tabs) is harmless; linking one identity to two accounts is not.
      await db
        .insertInto('oidc_identities')
        .values({ issuer, subject, user_id: userId, created_at: new Date().toISOString() })
        .onConflict((conflict) => conflict.columns(['issuer', 'subject']).doNothing())
        .execute();
      const linked = await findUserId(issuer, subject);
      if (linked !== userId) {
        throw new Error('This OpenID Connect identity is already linked to another account');
      }
    },
  };
}
