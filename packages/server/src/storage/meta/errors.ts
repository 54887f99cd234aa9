import type { MetaEngine } from './database.js';
import { SITES_DOMAIN_CONSTRAINT } from './migrations.js';

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** PostgreSQL's SQLSTATE for unique_violation. */
const PG_UNIQUE_VIOLATION = '23505';

/**
 * True when `error` is the database refusing a second site with the same domain. Relying on the constraint (not a
 * SELECT first) keeps this correct when two nodes create the same site at the same moment.
 */
export function isDuplicateDomainError(error: unknown, engine: MetaEngine): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint, message } = error as DriverError;
  if (engine === 'postgres') return code === PG_UNIQUE_VIOLATION && constraint === SITES_DOMAIN_CONSTRAINT;
  // better-sqlite3 reports the column, not the constraint name: "UNIQUE constraint failed: sites.domain".
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('sites.domain');
}
