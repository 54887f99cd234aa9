import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { SaltRepository } from './meta-store.js';

/** 256 bits: as strong as the keyed hash that consumes it. */
export const SALT_BYTES = 32;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A concurrent `deleteBefore` can remove a row between our INSERT and SELECT; a few tries settle it. */
const MAX_ATTEMPTS = 3;

export function createSaltRepository(db: Kysely<Database>): SaltRepository {
  async function read(day: string): Promise<Buffer | undefined> {
    const row = await db.selectFrom('salts').select('salt').where('day', '=', day).executeTakeFirst();
    return row === undefined ? undefined : asBuffer(row.salt);
  }

  return {
    async getOrCreate(day: string): Promise<Buffer> {
      assertDay(day);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const existing = await read(day);
        if (existing !== undefined) return existing;
        // Several nodes may race here. ON CONFLICT DO NOTHING lets exactly one INSERT win; everybody, winner
        // included, then reads the stored row, so all nodes hash with the same salt.
        await db
          .insertInto('salts')
          .values({ day, salt: randomBytes(SALT_BYTES), created_at: new Date().toISOString() })
          .onConflict((conflict) => conflict.column('day').doNothing())
          .execute();
        const stored = await read(day);
        if (stored !== undefined) return stored;
      }
      throw new Error(`The salt for ${day} kept disappearing while being created (is another node deleting it?)`);
    },

    async get(day: string): Promise<Buffer | undefined> {
      if (!isDay(day)) return undefined;
      return read(day);
    },

    async deleteBefore(day: string): Promise<number> {
      // A malformed bound would compare as text against every day and could delete salts still in use.
      assertDay(day);
      const result = await db.deleteFrom('salts').where('day', '<', day).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** True for a real calendar day written `YYYY-MM-DD` (the only form whose text order is date order). */
export function isDay(day: unknown): day is string {
  if (typeof day !== 'string') return false;
  const match = DAY.exec(day);
  if (match === null) return false;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const parsed = new Date(Date.UTC(year, month - 1, date));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === date;
}

function assertDay(day: unknown): asserts day is string {
  if (!isDay(day)) throw new RangeError(`A salt day must be a calendar day written YYYY-MM-DD, got ${describe(day)}`);
}

/** Quotes a bad value for an error message without echoing an arbitrarily long string. */
function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value;
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
