import type { NewSite, Site } from '../../domain/site.js';
import type { StoreHealth } from '../events/event-store.js';

/** Sites: the unit every event, member and key belongs to. */
export interface SiteRepository {
  /** Throws `DuplicateSiteError` when the normalised domain exists. */
  create(site: NewSite): Promise<Site>;
  findById(id: number): Promise<Site | undefined>;
  findByDomain(domain: string): Promise<Site | undefined>;
  findByPublicId(publicId: string): Promise<Site | undefined>;
  list(): Promise<Site[]>;
}

/**
 * Daily visitor-id salts (DESIGN.md "Privacy"): random, one per UTC day, deleted after 48 hours.
 * Several nodes may race to create a day's salt; exactly one wins and everybody reads the winner.
 */
export interface SaltRepository {
  /** Returns the salt for `day` (YYYY-MM-DD, UTC), creating a random one if none exists. */
  getOrCreate(day: string): Promise<Buffer>;
  /** Returns the salt for `day` only if it exists (never creates one for a past day). */
  get(day: string): Promise<Buffer | undefined>;
  /** Deletes every salt of a day before `day`; returns how many were deleted. */
  deleteBefore(day: string): Promise<number>;
}

export interface MetaStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly sites: SiteRepository;
  readonly salts: SaltRepository;
  migrate(): Promise<void>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export class DuplicateSiteError extends Error {
  override name = 'DuplicateSiteError';
  constructor(readonly domain: string) {
    super(`A site for ${domain} already exists`);
  }
}

/** A site was rejected before reaching the database: its domain or time zone is not valid. Maps to a 400. */
export class InvalidSiteError extends Error {
  override name = 'InvalidSiteError';
  constructor(
    readonly field: 'domain' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}
