import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { NewUser, User, UserUpdate } from '../../domain/account.js';
import {
  fromCount,
  fromFlag,
  fromTimestamp,
  fromTimestampOrNull,
  isRowId,
  timestampValue,
  toFlag,
  toIsoOrNull,
} from './columns.js';
import type { Database, MetaEngine, UsersTable } from './database.js';
import { isUniqueViolation } from './errors.js';
import { DuplicateEmailError, type UserRepository } from './meta-store.js';
import { USERS_EMAIL_UNIQUE } from './migrations.js';

export function createUserRepository(db: Kysely<Database>, engine: MetaEngine): UserRepository {
  async function findById(id: number): Promise<User | undefined> {
    if (!isRowId(id)) return undefined;
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  }

  return {
    findById,

    async create(user: NewUser): Promise<User> {
      const now = new Date().toISOString();
      try {
        const row = await db
          .insertInto('users')
          .values({
            email: user.email,
            name: user.name,
            is_instance_owner: toFlag(engine, user.isInstanceOwner === true),
            email_verified_at: toIsoOrNull(user.emailVerifiedAt),
            password_hash: user.passwordHash,
            mfa_secret_sealed: null,
            mfa_enabled_at: null,
            mfa_last_step: null,
            failed_logins: 0,
            locked_until: null,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUser(row);
      } catch (error) {
        if (isUniqueViolation(error, engine, USERS_EMAIL_UNIQUE)) throw new DuplicateEmailError(user.email);
        throw error;
      }
    },

    async findByEmail(email: string): Promise<User | undefined> {
      if (typeof email !== 'string' || email === '') return undefined;
      const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async update(id: number, update: UserUpdate): Promise<User | undefined> {
      if (!isRowId(id)) return undefined;
      const changes: Updateable<UsersTable> = { updated_at: new Date().toISOString() };
      if (update.email !== undefined) changes.email = update.email;
      if (update.name !== undefined) changes.name = update.name;
      if (update.emailVerifiedAt !== undefined) changes.email_verified_at = toIsoOrNull(update.emailVerifiedAt);
      if (update.passwordHash !== undefined) changes.password_hash = update.passwordHash;
      if (update.mfaSecretSealed !== undefined) changes.mfa_secret_sealed = update.mfaSecretSealed;
      if (update.mfaEnabledAt !== undefined) changes.mfa_enabled_at = toIsoOrNull(update.mfaEnabledAt);
      if (update.mfaLastStep !== undefined) changes.mfa_last_step = update.mfaLastStep;
      if (update.failedLogins !== undefined) changes.failed_logins = update.failedLogins;
      if (update.lockedUntil !== undefined) changes.locked_until = toIsoOrNull(update.lockedUntil);
      try {
        const row = await db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toUser(row);
      } catch (error) {
        if (update.email !== undefined && isUniqueViolation(error, engine, USERS_EMAIL_UNIQUE)) {
          throw new DuplicateEmailError(update.email);
        }
        throw error;
      }
    },

    async recordFailedLogin(id: number, maxFailures: number, lockUntil: Date): Promise<User | undefined> {
      if (!Number.isInteger(maxFailures) || maxFailures < 1) {
        throw new RangeError(`maxFailures must be a positive integer, got ${maxFailures}`);
      }
      if (!isRowId(id)) return undefined;
      // One statement, so concurrent failures each count: the right-hand sides read the row as it was before this
      // UPDATE, and the row lock (PostgreSQL) / write lock (SQLite) orders concurrent ones.
      const row = await db
        .updateTable('users')
        .set({
          failed_logins: sql<number>`failed_logins + 1`,
          locked_until: sql<string>`case when failed_logins + 1 >= ${maxFailures} then ${timestampValue(engine, lockUntil)} else locked_until end`,
          updated_at: new Date().toISOString(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async acceptTotpStep(id: number, step: number): Promise<boolean> {
      if (!isRowId(id) || !Number.isSafeInteger(step) || step < 0) return false;
      // The condition and the write are one statement: of two requests with the same code, only the first
      // finds `mfa_last_step < step` true.
      const result = await db
        .updateTable('users')
        .set({ mfa_last_step: step })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow();
      return fromCount(row.count as number | string | bigint);
    },

    async list(): Promise<User[]> {
      const rows = await db.selectFrom('users').selectAll().orderBy('id').execute();
      return rows.map(toUser);
    },
  };
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    isInstanceOwner: fromFlag(row.is_instance_owner),
    emailVerifiedAt: fromTimestampOrNull(row.email_verified_at),
    passwordHash: row.password_hash,
    mfaSecretSealed: row.mfa_secret_sealed,
    mfaEnabledAt: fromTimestampOrNull(row.mfa_enabled_at),
    mfaLastStep: row.mfa_last_step === null ? null : Number(row.mfa_last_step),
    failedLogins: Number(row.failed_logins),
    lockedUntil: fromTimestampOrNull(row.locked_until),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
  };
}
