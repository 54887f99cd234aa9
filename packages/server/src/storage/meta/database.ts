import type { ColumnType, Generated } from 'kysely';

/** Which SQL engine a metadata store runs on. Migrations and error mapping differ only where the engines do. */
export type MetaEngine = 'sqlite' | 'postgres';

/**
 * Timestamps are `timestamptz` on PostgreSQL (read back as Date) and ISO-8601 UTC text on SQLite (no date type);
 * both are written as ISO strings, which each engine stores in its own form. ISO strings of one length sort like
 * the instants they name, so `<` on SQLite text compares times correctly.
 */
type Timestamp = ColumnType<Date | string, string, never>;
/** A timestamp that later changes (last seen, used at, locked until). */
type MutableTimestamp = ColumnType<Date | string, string, string>;
type NullableTimestamp = ColumnType<Date | string | null, string | null | undefined, string | null>;

/** `boolean` on PostgreSQL, INTEGER 0/1 on SQLite (better-sqlite3 cannot bind booleans): see `columns.ts`. */
type Flag = ColumnType<boolean | number, boolean | number | undefined, boolean | number>;

/** `bigint` on PostgreSQL, which pg returns as a string; INTEGER (64-bit) on SQLite. */
type BigCount = ColumnType<number | string | bigint, number | undefined, number>;

/** JSON held in a text column on both engines (no JSON operators are needed on it). */
type JsonText = string;

export interface SitesTable {
  id: Generated<number>;
  public_id: string;
  domain: string;
  timezone: string;
  /** Added by 0002; the domain when the site was created without a name. */
  name: ColumnType<string, string | undefined, string>;
  is_public: Flag;
  created_at: Timestamp;
}

export interface SaltsTable {
  /** UTC day, `YYYY-MM-DD`; text so that `<` compares days on both engines. */
  day: string;
  /** 32 random bytes: BLOB on SQLite, bytea on PostgreSQL, a Buffer from both drivers. */
  salt: Buffer;
  created_at: Timestamp;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  is_instance_owner: Flag;
  email_verified_at: NullableTimestamp;
  password_hash: string | null;
  mfa_secret_sealed: string | null;
  mfa_enabled_at: NullableTimestamp;
  /** bigint on PostgreSQL (read back as a string). */
  mfa_last_step: ColumnType<number | string | null, number | null | undefined, number | null>;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: NullableTimestamp;
  created_at: Timestamp;
  updated_at: MutableTimestamp;
}

export interface LoginSessionsTable {
  /** HMAC hash of the session token. */
  id: string;
  user_id: number;
  user_agent: string;
  country: string;
  created_at: Timestamp;
  last_seen_at: MutableTimestamp;
  expires_at: Timestamp;
}

export interface UserTokensTable {
  hash: string;
  user_id: number;
  purpose: string;
  new_email: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface BackupCodesTable {
  user_id: number;
  hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface OidcIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: number;
  created_at: Timestamp;
}

export interface AuditLogTable {
  /** bigint on PostgreSQL: the log only grows between retention sweeps. */
  id: Generated<number | string>;
  user_id: number | null;
  site_id: number | null;
  action: string;
  ip: string;
  country: string;
  user_agent: string;
  details: JsonText;
  created_at: Timestamp;
}

export interface SiteMembersTable {
  site_id: number;
  user_id: number;
  role: string;
  created_at: Timestamp;
}

export interface InvitationsTable {
  id: Generated<number>;
  site_id: number;
  email: string;
  role: string;
  token_hash: string;
  invited_by: number;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ShareLinksTable {
  id: Generated<number>;
  site_id: number;
  slug: string;
  name: string;
  password_hash: string | null;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  lookup_id: string;
  hash: string;
  /** JSON array of scope names. */
  scopes: JsonText;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface IngestKeysTable {
  id: Generated<number>;
  site_id: number;
  name: string;
  lookup_id: string;
  hash: string;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  usage_count: BigCount;
  rate_limit_per_minute: number;
  revoked_at: NullableTimestamp;
  /** Who created it; no foreign key, so the key outlives its creator's account (the app keeps sending). */
  created_by: number;
  created_at: Timestamp;
}

export interface ShieldsTable {
  id: Generated<number>;
  site_id: number;
  kind: string;
  value: string;
  description: string;
  created_at: Timestamp;
}

export interface GoalsTable {
  id: Generated<number>;
  site_id: number;
  kind: string;
  path_pattern: string | null;
  event_name: string | null;
  display_name: string;
  created_at: Timestamp;
}

export interface FunnelsTable {
  id: Generated<number>;
  site_id: number;
  name: string;
  /** JSON array of goal display names. */
  steps: JsonText;
  created_at: Timestamp;
}

/** The metadata schema as Kysely sees it. Changes go through a new migration in `migrations.ts`. */
export interface Database {
  sites: SitesTable;
  salts: SaltsTable;
  users: UsersTable;
  login_sessions: LoginSessionsTable;
  user_tokens: UserTokensTable;
  backup_codes: BackupCodesTable;
  oidc_identities: OidcIdentitiesTable;
  audit_log: AuditLogTable;
  site_members: SiteMembersTable;
  invitations: InvitationsTable;
  share_links: ShareLinksTable;
  api_keys: ApiKeysTable;
  ingest_keys: IngestKeysTable;
  shields: ShieldsTable;
  goals: GoalsTable;
  funnels: FunnelsTable;
}
