/**
 * Accounts, team access and keys: the records the metadata store keeps about people and what they may do.
 * Secrets never appear here in usable form: passwords as argon2id hashes, tokens and keys as HMAC hashes
 * (auth/tokens.ts), TOTP secrets sealed (auth/secret-box.ts).
 */

/** Roles on one site, weakest first. Every site route names the weakest role it accepts. */
export const SITE_ROLES = ['viewer', 'admin', 'owner'] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

/** True when `role` is at least `required` (owner ⊇ admin ⊇ viewer). */
export function roleAtLeast(role: SiteRole, required: SiteRole): boolean {
  return SITE_ROLES.indexOf(role) >= SITE_ROLES.indexOf(required);
}

/** Who may sign up without an invitation: nobody, only invited addresses, or anyone. */
export const REGISTRATION_MODES = ['closed', 'invite', 'open'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface User {
  id: number;
  /** Normalised (auth/passwords.ts `normalizeEmail`), unique. */
  email: string;
  name: string;
  /** The instance owner (first account): may manage the instance, e.g. see every user. */
  isInstanceOwner: boolean;
  emailVerifiedAt: Date | null;
  /** argon2id PHC string; null for accounts that only sign in through OpenID Connect. */
  passwordHash: string | null;
  /** TOTP secret sealed with the secret box; null until MFA is turned on (or while it is being set up: see below). */
  mfaSecretSealed: string | null;
  /** Set when MFA is confirmed and in force; a sealed secret without this is a pending enrolment. */
  mfaEnabledAt: Date | null;
  /** Last accepted TOTP time step: a code of this step or earlier is a replay and is refused. */
  mfaLastStep: number | null;
  /** Consecutive failed sign-ins since the last success (lockout counter). */
  failedLogins: number;
  /** Sign-in refused until then (account lockout). */
  lockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  isInstanceOwner?: boolean;
  emailVerifiedAt?: Date | null;
}

/** Only the fields a change may touch; omitted fields stay as they are. */
export type UserUpdate = Partial<
  Pick<
    User,
    | 'email'
    | 'name'
    | 'emailVerifiedAt'
    | 'passwordHash'
    | 'mfaSecretSealed'
    | 'mfaEnabledAt'
    | 'mfaLastStep'
    | 'failedLogins'
    | 'lockedUntil'
  >
>;

/** A signed-in browser. The cookie holds the token; the store holds only its hash (`id`). */
export interface LoginSession {
  /** HMAC hash of the session token (auth/tokens.ts): never the token itself. */
  id: string;
  userId: number;
  /** Raw User-Agent, capped, for the sessions page (browser, OS, device are parsed from it when shown). */
  userAgent: string;
  /** ISO country of the sign-in, when known. */
  country: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute expiry; the idle expiry is `lastSeenAt` + the idle timeout. */
  expiresAt: Date;
}

/** Single-use tokens sent by mail. Stored hashed; valid until `expiresAt`, once. */
export const USER_TOKEN_PURPOSES = ['verify_email', 'reset_password', 'change_email'] as const;
export type UserTokenPurpose = (typeof USER_TOKEN_PURPOSES)[number];

export interface UserToken {
  hash: string;
  userId: number;
  purpose: UserTokenPurpose;
  /** For `change_email`: the new address, which becomes the account's once the link is followed. */
  newEmail: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export interface AuditEntry {
  id: number;
  /** The account the entry belongs to (whose audit log shows it). */
  userId: number | null;
  siteId: number | null;
  /** e.g. `login.succeeded`, `login.failed`, `mfa.enabled`, `password.changed`, `api_key.created`, `member.removed`. */
  action: string;
  /** Client IP of the request. Accounts' own security log only, never visitors'; kept for the retention period. */
  ip: string;
  country: string;
  userAgent: string;
  /** Small JSON object with details (no secrets). */
  details: Record<string, unknown>;
  createdAt: Date;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'createdAt'> & { createdAt?: Date };

export interface SiteMember {
  siteId: number;
  userId: number;
  role: SiteRole;
  createdAt: Date;
}

export interface Invitation {
  id: number;
  siteId: number;
  /** Normalised email the invitation was sent to; only that account may accept it. */
  email: string;
  role: SiteRole;
  tokenHash: string;
  invitedBy: number;
  expiresAt: Date;
  acceptedAt: Date | null;
  createdAt: Date;
}

/** A read-only link to one site's dashboard. The slug is a random capability id, not a secret token. */
export interface ShareLink {
  id: number;
  siteId: number;
  /** 22 random base62 characters, the path segment of `/share/<slug>`. */
  slug: string;
  name: string;
  /** argon2id hash when the link needs a password. */
  passwordHash: string | null;
  createdAt: Date;
}

/** Scopes a personal API key may hold. */
export const API_KEY_SCOPES = ['stats:read', 'sites:read', 'sites:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A personal key (Bearer) acting as its user, limited to its scopes. */
export interface ApiKey {
  id: number;
  userId: number;
  name: string;
  /** Public display part: `sl_live_<lookupId>`. */
  lookupId: string;
  hash: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** A per-site key for apps and servers posting events with `X-API-Key`. */
export interface IngestKey {
  id: number;
  siteId: number;
  name: string;
  lookupId: string;
  hash: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  usageCount: number;
  /** Events per minute this key may send. */
  rateLimitPerMinute: number;
  revokedAt: Date | null;
  createdBy: number;
  createdAt: Date;
}

/** Shields: events matching any of a site's shields are dropped at ingestion (and counted). */
export const SHIELD_KINDS = ['ip', 'country', 'path', 'hostname'] as const;
export type ShieldKind = (typeof SHIELD_KINDS)[number];

export interface Shield {
  id: number;
  siteId: number;
  kind: ShieldKind;
  /** ip: an address or CIDR; country: ISO alpha-2; path: a path pattern with `*`/`**`; hostname: a host (`*.` prefix allowed). */
  value: string;
  description: string;
  createdAt: Date;
}

export interface StoredGoal {
  id: number;
  siteId: number;
  kind: 'pageview' | 'event';
  /** pageview goals: a path pattern with `*` and `**`. */
  pathPattern: string | null;
  /** event goals: the custom event name. */
  eventName: string | null;
  /** Name shown and used in `event:goal` (unique per site). */
  displayName: string;
  createdAt: Date;
}

export interface StoredFunnel {
  id: number;
  siteId: number;
  name: string;
  /** Ordered steps: each a goal display name of the same site (2 to 8 steps). */
  steps: string[];
  createdAt: Date;
}
