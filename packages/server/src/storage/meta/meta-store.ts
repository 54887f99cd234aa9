import type {
  ApiKey,
  AuditEntry,
  IngestKey,
  Invitation,
  LoginSession,
  NewAuditEntry,
  NewUser,
  ShareLink,
  Shield,
  SiteMember,
  SiteRole,
  StoredFunnel,
  StoredGoal,
  User,
  UserToken,
  UserTokenPurpose,
  UserUpdate,
} from '../../domain/account.js';
import type { NewSite, Site, SiteUpdate } from '../../domain/site.js';
import type { StoreHealth } from '../events/event-store.js';

/**
 * Sites: the unit every event, member and key belongs to.
 *
 * Every repository below answers a lookup by an id that no row can have (not an integer, or outside 1..2^31-1)
 * with undefined / false / [] instead of querying, so ids parsed from URLs need no range check of their own.
 */
export interface SiteRepository {
  /**
   * Throws `DuplicateSiteError` when the normalised domain exists, `InvalidSiteError` for a bad domain or time zone.
   * The name is trimmed; a blank one becomes the domain. New sites are private.
   */
  create(site: NewSite): Promise<Site>;
  findById(id: number): Promise<Site | undefined>;
  findByDomain(domain: string): Promise<Site | undefined>;
  findByPublicId(publicId: string): Promise<Site | undefined>;
  list(): Promise<Site[]>;
  /**
   * Throws `DuplicateSiteError` / `InvalidSiteError` like create (checked before the site is looked up); undefined
   * when the site does not exist. A blank name becomes the (new) domain.
   */
  update(id: number, update: SiteUpdate): Promise<Site | undefined>;
  /**
   * Deletes the site's metadata and everything hanging off it (members, invitations, shares, keys, shields, goals,
   * funnels) atomically, through the schema's ON DELETE CASCADE; audit entries stay, without the site. Its events
   * are deleted from the event store by the caller. False when the site did not exist.
   */
  delete(id: number): Promise<boolean>;
}

export interface UserRepository {
  /** Throws `DuplicateEmailError` when the normalised email exists. The email must already be normalised. */
  create(user: NewUser): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  /** `email` must already be normalised. */
  findByEmail(email: string): Promise<User | undefined>;
  /** Throws `DuplicateEmailError` when changing to a taken email. Undefined when the user does not exist. */
  update(id: number, update: UserUpdate): Promise<User | undefined>;
  /**
   * Atomically adds one failed sign-in and, when the count reaches (or is past) `maxFailures`, sets `lockedUntil`:
   * concurrent failures each count. The counter only goes back to 0 through `update` (a successful sign-in, a
   * password reset). Returns the updated user (so the caller can tell whether this failure locked the account);
   * undefined when the user does not exist. Throws RangeError when `maxFailures` is not a positive integer.
   */
  recordFailedLogin(id: number, maxFailures: number, lockUntil: Date): Promise<User | undefined>;
  /**
   * Accepts a TOTP step only if it is later than the last accepted one, atomically (two concurrent requests with the
   * same code: exactly one wins). Returns false for a replay.
   */
  acceptTotpStep(id: number, step: number): Promise<boolean>;
  count(): Promise<number>;
  list(): Promise<User[]>;
}

export interface LoginSessionRepository {
  create(session: LoginSession): Promise<void>;
  findById(id: string): Promise<LoginSession | undefined>;
  /** Moves `lastSeenAt` forward, never back (callers throttle this to about once a minute per session). */
  touch(id: string, lastSeenAt: Date): Promise<void>;
  listForUser(userId: number): Promise<LoginSession[]>;
  /** Deletes one session if it belongs to the user; false when it does not exist or is someone else's. */
  deleteForUser(userId: number, id: string): Promise<boolean>;
  /** Deletes every session of the user except `keepId` (all of them when undefined); returns how many. */
  deleteAllForUser(userId: number, keepId?: string): Promise<number>;
  /** Deletes sessions past their absolute expiry or idle since before `idleBefore`; returns how many. */
  deleteExpired(now: Date, idleBefore: Date): Promise<number>;
}

export interface UserTokenRepository {
  create(token: UserToken): Promise<void>;
  /**
   * Marks the token used and returns it, only if it exists, has this purpose, is unused and unexpired at `now` — in
   * one atomic step, so a link clicked twice at once works once.
   */
  consume(hash: string, purpose: UserTokenPurpose, now: Date): Promise<UserToken | undefined>;
  /** Invalidates a user's unused tokens of a purpose (a new reset link voids older ones). */
  deleteForUser(userId: number, purpose: UserTokenPurpose): Promise<number>;
  deleteExpired(now: Date): Promise<number>;
}

export interface BackupCodeRepository {
  /** Replaces the user's codes with these hashes in one transaction (regeneration voids the old set, used or not). */
  replace(userId: number, hashes: readonly string[]): Promise<void>;
  /** Hashes of the user's unused codes, sorted. */
  listUnused(userId: number): Promise<string[]>;
  /** Marks one code used, atomically; false when it was already used (or does not exist). */
  markUsed(userId: number, hash: string, now: Date): Promise<boolean>;
  deleteForUser(userId: number): Promise<void>;
}

/** Links an account to an identity at an OpenID Connect provider (issuer + subject). */
export interface OidcIdentityRepository {
  findUserId(issuer: string, subject: string): Promise<number | undefined>;
  /** Idempotent for the same account; throws when the identity is already linked to another account. */
  link(issuer: string, subject: string, userId: number): Promise<void>;
}

export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<void>;
  /** Newest first; `before` pages by creation time; `limit` defaults to 100, at most 1,000. */
  listForUser(userId: number, options?: { limit?: number; before?: Date }): Promise<AuditEntry[]>;
  deleteBefore(cutoff: Date): Promise<number>;
}

export interface MemberRepository {
  /** Adds or changes a member's role (one statement, race-free). Throws for a site or user that does not exist. */
  upsert(siteId: number, userId: number, role: SiteRole): Promise<SiteMember>;
  find(siteId: number, userId: number): Promise<SiteMember | undefined>;
  remove(siteId: number, userId: number): Promise<boolean>;
  /** In the order they joined. */
  listForSite(siteId: number): Promise<Array<SiteMember & { email: string; name: string }>>;
  /** Sites the user is a member of, with the role, ordered by site id. */
  listSitesForUser(userId: number): Promise<Array<{ site: Site; role: SiteRole }>>;
  /**
   * Makes `newOwnerId` the site's owner (adding them as a member if they were not one) and the current owner(s)
   * admins, in one transaction (site transfer); concurrent transfers of one site leave exactly one owner. Throws,
   * changing nothing, when the site or the user does not exist.
   */
  transferOwnership(siteId: number, newOwnerId: number): Promise<void>;
}

export interface InvitationRepository {
  create(invitation: Omit<Invitation, 'id' | 'acceptedAt' | 'createdAt'>): Promise<Invitation>;
  findByTokenHash(hash: string): Promise<Invitation | undefined>;
  findById(id: number): Promise<Invitation | undefined>;
  listPendingForSite(siteId: number, now: Date): Promise<Invitation[]>;
  /** Marks it accepted, atomically, only if pending and unexpired; false otherwise. */
  accept(id: number, now: Date): Promise<boolean>;
  delete(id: number): Promise<boolean>;
}

export interface ShareLinkRepository {
  create(link: Omit<ShareLink, 'id' | 'createdAt'>): Promise<ShareLink>;
  findBySlug(slug: string): Promise<ShareLink | undefined>;
  findById(id: number): Promise<ShareLink | undefined>;
  listForSite(siteId: number): Promise<ShareLink[]>;
  delete(id: number): Promise<boolean>;
}

export interface ApiKeyRepository {
  create(key: Omit<ApiKey, 'id' | 'lastUsedAt' | 'createdAt'>): Promise<ApiKey>;
  findByHash(hash: string): Promise<ApiKey | undefined>;
  findById(id: number): Promise<ApiKey | undefined>;
  listForUser(userId: number): Promise<ApiKey[]>;
  /** Moves last-used forward, never back. */
  touch(id: number, lastUsedAt: Date): Promise<void>;
  delete(id: number): Promise<boolean>;
}

export interface IngestKeyRepository {
  create(key: Omit<IngestKey, 'id' | 'lastUsedAt' | 'usageCount' | 'revokedAt' | 'createdAt'>): Promise<IngestKey>;
  findByHash(hash: string): Promise<IngestKey | undefined>;
  findById(id: number): Promise<IngestKey | undefined>;
  listForSite(siteId: number): Promise<IngestKey[]>;
  /**
   * Adds `events` to the usage count and moves last-used forward (callers batch this, e.g. once a few seconds per
   * key); concurrent batches all count. Throws RangeError when `events` is not a non-negative integer.
   */
  recordUse(id: number, events: number, lastUsedAt: Date): Promise<void>;
  /** Swaps in a new secret (regeneration): the old key stops working at once. */
  replaceSecret(id: number, lookupId: string, hash: string): Promise<IngestKey | undefined>;
  /** Sets `revokedAt` (the record stays, listed as revoked); false when it does not exist or already was revoked. */
  revoke(id: number, now: Date): Promise<boolean>;
}

export interface ShieldRepository {
  create(shield: Omit<Shield, 'id' | 'createdAt'>): Promise<Shield>;
  listForSite(siteId: number): Promise<Shield[]>;
  findById(id: number): Promise<Shield | undefined>;
  delete(id: number): Promise<boolean>;
}

export interface GoalRepository {
  /** Throws `DuplicateNameError` when the site has a goal of that display name. */
  create(goal: Omit<StoredGoal, 'id' | 'createdAt'>): Promise<StoredGoal>;
  listForSite(siteId: number): Promise<StoredGoal[]>;
  findById(id: number): Promise<StoredGoal | undefined>;
  delete(id: number): Promise<boolean>;
}

export interface FunnelRepository {
  /** Throws `DuplicateNameError` when the site has a funnel of that name. */
  create(funnel: Omit<StoredFunnel, 'id' | 'createdAt'>): Promise<StoredFunnel>;
  listForSite(siteId: number): Promise<StoredFunnel[]>;
  findById(id: number): Promise<StoredFunnel | undefined>;
  delete(id: number): Promise<boolean>;
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
  readonly users: UserRepository;
  readonly loginSessions: LoginSessionRepository;
  readonly userTokens: UserTokenRepository;
  readonly backupCodes: BackupCodeRepository;
  readonly oidcIdentities: OidcIdentityRepository;
  readonly audit: AuditRepository;
  readonly members: MemberRepository;
  readonly invitations: InvitationRepository;
  readonly shareLinks: ShareLinkRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly ingestKeys: IngestKeyRepository;
  readonly shields: ShieldRepository;
  readonly goals: GoalRepository;
  readonly funnels: FunnelRepository;
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

export class DuplicateEmailError extends Error {
  override name = 'DuplicateEmailError';
  constructor(readonly email: string) {
    super('An account with this email already exists');
  }
}

/** A goal or funnel name that the site already uses. Maps to a 409. */
export class DuplicateNameError extends Error {
  override name = 'DuplicateNameError';
  constructor(
    readonly kind: 'goal' | 'funnel',
    readonly displayName: string,
  ) {
    super(`This site already has a ${kind} named ${JSON.stringify(displayName)}`);
  }
}
