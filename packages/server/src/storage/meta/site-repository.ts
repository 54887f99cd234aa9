import { randomUUID } from 'node:crypto';
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { normalizeDomain } from '../../domain/domain-name.js';
import type { NewSite, Site, SiteUpdate } from '../../domain/site.js';
import { normalizeTimezone } from '../../domain/timezone.js';
import { fromFlag, fromTimestamp, isRowId, toFlag } from './columns.js';
import type { Database, MetaEngine, SitesTable } from './database.js';
import { isDuplicateDomainError } from './errors.js';
import { DuplicateSiteError, InvalidSiteError, type SiteRepository } from './meta-store.js';

const DEFAULT_TIMEZONE = 'UTC';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createSiteRepository(db: Kysely<Database>, engine: MetaEngine): SiteRepository {
  async function findById(id: number): Promise<Site | undefined> {
    if (!isRowId(id)) return undefined;
    const row = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSite(row);
  }

  return {
    findById,

    async create(site: NewSite): Promise<Site> {
      const domain = validDomain(site?.domain);
      const timezone = validTimezone(site.timezone ?? DEFAULT_TIMEZONE);
      try {
        const row = await db
          .insertInto('sites')
          .values({
            public_id: randomUUID(),
            domain,
            timezone,
            name: nameOrDomain(site.name, domain),
            is_public: toFlag(engine, false),
            created_at: new Date().toISOString(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toSite(row);
      } catch (error) {
        if (isDuplicateDomainError(error, engine)) throw new DuplicateSiteError(domain);
        throw error;
      }
    },

    async update(id: number, update: SiteUpdate): Promise<Site | undefined> {
      // Validate before the existence check, so bad input is reported as such whichever site it names.
      const domain = update.domain === undefined ? undefined : validDomain(update.domain);
      const timezone = update.timezone === undefined ? undefined : validTimezone(update.timezone);
      if (!isRowId(id)) return undefined;
      const changes: {
        domain?: string;
        timezone?: string;
        name?: string | RawBuilder<string>;
        is_public?: boolean | number;
      } = {};
      if (domain !== undefined) changes.domain = domain;
      if (timezone !== undefined) changes.timezone = timezone;
      if (update.name !== undefined) {
        // A blank name means "show the domain": the new one when both change at once, else the stored one (the
        // right-hand side of SET reads the row as it was before this UPDATE).
        const trimmed = typeof update.name === 'string' ? update.name.trim() : '';
        changes.name = trimmed !== '' ? trimmed : (domain ?? sql<string>`domain`);
      }
      if (update.isPublic !== undefined) changes.is_public = toFlag(engine, update.isPublic === true);
      if (Object.keys(changes).length === 0) return findById(id);
      try {
        const row = await db.updateTable('sites').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toSite(row);
      } catch (error) {
        if (domain !== undefined && isDuplicateDomainError(error, engine)) throw new DuplicateSiteError(domain);
        throw error;
      }
    },

    async delete(id: number): Promise<boolean> {
      if (!isRowId(id)) return false;
      // One statement: the foreign keys' ON DELETE CASCADE removes members, invitations, shares, keys, shields,
      // goals and funnels atomically with the site.
      const result = await db.deleteFrom('sites').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async findByDomain(domain: string): Promise<Site | undefined> {
      const normalised = normalizeDomain(domain);
      if (normalised === undefined) return undefined;
      const row = await db.selectFrom('sites').selectAll().where('domain', '=', normalised).executeTakeFirst();
      return row === undefined ? undefined : toSite(row);
    },

    async findByPublicId(publicId: string): Promise<Site | undefined> {
      if (typeof publicId !== 'string') return undefined;
      const normalised = publicId.trim().toLowerCase();
      if (!UUID.test(normalised)) return undefined;
      const row = await db.selectFrom('sites').selectAll().where('public_id', '=', normalised).executeTakeFirst();
      return row === undefined ? undefined : toSite(row);
    },

    async list(): Promise<Site[]> {
      const rows = await db.selectFrom('sites').selectAll().orderBy('id').execute();
      return rows.map(toSite);
    },
  };
}

function validDomain(input: unknown): string {
  const domain = normalizeDomain(input as string);
  if (domain === undefined) {
    throw new InvalidSiteError(
      'domain',
      'The domain must be a hostname such as example.com (no spaces or special characters)',
    );
  }
  return domain;
}

function validTimezone(input: unknown): string {
  const timezone = normalizeTimezone(input as string);
  if (timezone === undefined) {
    throw new InvalidSiteError('timezone', 'The time zone must be UTC or an IANA name such as Europe/Berlin');
  }
  return timezone;
}

function nameOrDomain(name: string | undefined, domain: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  return trimmed === '' ? domain : trimmed;
}

/** Maps a `sites` row (alone or selected beside other columns) to a Site. */
export function toSite(row: Selectable<SitesTable>): Site {
  return {
    id: Number(row.id),
    publicId: row.public_id,
    domain: row.domain,
    timezone: row.timezone,
    name: row.name,
    isPublic: fromFlag(row.is_public),
    createdAt: fromTimestamp(row.created_at),
  };
}
