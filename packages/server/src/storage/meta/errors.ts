import type { MetaEngine } from './database.js';
import { SITES_DOMAIN_UNIQUE, type UniqueConstraint } from './migrations.js';

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** PostgreSQL's SQLSTATE for unique_violation. */
const PG_UNIQUE_VIOLATION = '23505';

/**
 * True when `error` is the database refusing a row because of this unique constraint. Repositories rely on the
 * constraint (not a SELECT first), which stays correct when two nodes write the same value at the same moment.
 */
export function isUniqueViolation(error: unknown, engine: MetaEngine, constraint: UniqueConstraint): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated, message } = error as DriverError;
  if (engine === 'postgres') return code === PG_UNIQUE_VIOLATION && violated === constraint.name;
  // better-sqlite3 reports columns, not the constraint: "UNIQUE constraint failed: goals.site_id, goals.display_name".
  const columns = constraint.columns.map((column) => `${constraint.table}.${column}`).join(', ');
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.endsWith(`failed: ${columns}`);
}

/** True when `error` is the database refusing a second site with the same domain. */
export function isDuplicateDomainError(error: unknown, engine: MetaEngine): boolean {
  return isUniqueViolation(error, engine, SITES_DOMAIN_UNIQUE);
}
