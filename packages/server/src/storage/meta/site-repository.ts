import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { normalizeDomain } from '../../domain/domain-name.js';
import type { NewSite, Site } from '../../domain/site.js';
import { normalizeTimezone } from '../../domain/timezone.js';
import type { Database, MetaEngine, SitesTable } from './database.js';
import { isDuplicateDomainError } from './errors.js';
import { DuplicateSiteError, InvalidSiteError, type SiteRepository } from './meta-store.js';

const DEFAULT_TIMEZONE = 'UTC';
/** `sites.id` is a 32-bit INTEGER on both engines; anything outside cannot exist (and would make PostgreSQL throw). */
const MAX_SITE_ID = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createSiteRepository(db: Kysely<Database>, engine: MetaEngine): SiteRepository {
  return {
    async create(site: NewSite): Promise<Site> {
      const domain = normalizeDomain(site?.domain);
      if (domain === undefined) {
        throw new InvalidSiteError(
          'domain',
          'The domain must be a hostname such as example.com (no spaces or special characters)',
        );
      }
      const timezone = normalizeTimezone(site.timezone ?? DEFAULT_TIMEZONE);
      if (timezone === undefined) {
        throw new InvalidSiteError('timezone', 'The time zone must be UTC or an IANA name such as Europe/Berlin');
      }
      try {
        const row = await db
          .insertInto('sites')
          .values({ public_id: randomUUID(), domain, timezone, created_at: new Date().toISOString() })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toSite(row);
      } catch (error) {
        if (isDuplicateDomainError(error, engine)) throw new DuplicateSiteError(domain);
        throw error;
      }
    },

    async findById(id: number): Promise<Site | undefined> {
      if (!Number.isInteger(id) || id < 1 || id > MAX_SITE_ID) return undefined;
      const row = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toSite(row);
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

function toSite(row: Selectable<SitesTable>): Site {
  return {
    id: Number(row.id),
    publicId: row.public_id,
    domain: row.domain,
    timezone: row.timezone,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  };
}
