import { assertDatabaseName, type SqlRunner } from './schema.js';

/** site_id is UInt32 in every table. */
const MAX_SITE_ID = 0xffff_ffff;

/**
 * Removes one site's rows from every MergeTree-family table of the database that has a `site_id` column: the events
 * table today, rollup tables and materialized views' inner tables as they are added, without this list having to
 * know them. Views and Distributed tables hold no rows of their own and are skipped.
 *
 * A mutation (`ALTER TABLE … DELETE`) rather than a lightweight DELETE: the rows are rewritten out of their parts, so
 * a deleted site's data does not linger on disk until some later merge. `mutations_sync = 2` waits until every
 * replica has applied it, so the caller can tell the user the data is gone.
 */
export async function deleteSiteRows(runner: SqlRunner, database: string, siteId: number): Promise<void> {
  const db = assertDatabaseName(database);
  if (!Number.isSafeInteger(siteId) || siteId <= 0 || siteId > MAX_SITE_ID) {
    throw new TypeError('a site id is a positive 32-bit integer');
  }
  const tables = await runner.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' " +
      "AND name IN (SELECT table FROM system.columns WHERE database = {db:String} AND name = 'site_id') ORDER BY name",
    { db },
  );
  for (const { name } of tables) {
    // Table names come from system.tables, and still travel as bound identifiers, never in SQL text.
    await runner.command(
      'ALTER TABLE {db:Identifier}.{table:Identifier} DELETE WHERE site_id = {site:UInt32} SETTINGS mutations_sync = 2',
      { db, table: name, site: siteId },
    );
  }
}
