#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { SETTINGS } from '../config/settings.js';
import { generateTraffic } from '../demo/traffic.js';
import { createGeoLocator } from '../ingest/enrich/geo.js';
import { createReferrerClassifier } from '../ingest/enrich/referrer.js';
import { createSpamReferrerList } from '../ingest/enrich/spam.js';
import { readImportFile } from '../ingest/import-file.js';
import { createImportSalts, type ImportItem, type ImportReport, importEvents } from '../ingest/importer.js';
import { createPipeline } from '../ingest/pipeline.js';
import { readTrackerManifest, trackerSnippet } from '../ingest/tracker-routes.js';
import { createSaltService } from '../jobs/salt-rotation.js';
import { createLogger, type Logger } from '../logging.js';
import { openStores, type Stores, startServer } from '../main.js';
import { bumpStatsGeneration } from '../stats/cache.js';
import { DataDirLockedError } from '../storage/data-dir-lock.js';
import { createMetaStore } from '../storage/meta/index.js';
import { DuplicateSiteError, InvalidSiteError, type MetaStore } from '../storage/meta/meta-store.js';
import { KEYS_USAGE, runKeysCommand } from './keys.js';
import { runUsersCommand, USERS_USAGE } from './users.js';

const USAGE = `Usage: sightline <command> [options]

Commands:
  start                                   Run the server (same as \`npm start\`)
  migrate                                 Create or upgrade the metadata and event stores, then exit
  sites add <domain> [--timezone TZ]      Register a site (time zone: IANA name, default UTC)
  sites list                              List sites with their ids
  import <file.ndjson> --site <domain>    Import historical events (one JSON object per line, see README)
  demo [--days N]                         Create demo.example.com with N days (default 90) of realistic traffic
${USERS_USAGE}
${KEYS_USAGE}
  settings [--markdown]                   Print every setting with its default and meaning

Settings come from environment variables; \`sightline settings\` lists them.`;

class UsageError extends Error {
  override name = 'UsageError';
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'settings') {
    printSettings(rest.includes('--markdown'));
    return 0;
  }
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  switch (command) {
    case 'start':
      await start(config, logger);
      return 0;
    case 'migrate':
      await withStores(config, logger, async () => console.log('Stores are up to date.'));
      return 0;
    case 'sites':
      return sites(config, rest);
    case 'import':
      return importCommand(config, logger, rest);
    case 'demo':
      return demo(config, logger, rest);
    case 'users':
      return withMetaStore(config, (meta) => runUsersCommand(config, meta, rest));
    case 'keys':
      return withMetaStore(config, (meta) => runKeysCommand(config, meta, rest));
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

async function start(config: Config, logger: Logger) {
  const server = await startServer(config, logger);
  console.log(`Sightline is running at ${config.publicUrl}${config.embedded ? ` (data in ${config.dataDir})` : ''}`);
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an unexpected error');
    else logger.info({ signal }, 'shutting down: draining requests and flushing the journal');
    await server.close();
    logger.info('shutdown complete');
  });
}

async function withStores<T>(config: Config, logger: Logger, task: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await openStores(config, logger);
  try {
    return await task(stores);
  } finally {
    await stores.close();
  }
}

/**
 * Only the metadata store: SQLite allows several processes (and PostgreSQL several clients), so site management
 * works while the server runs, unlike commands that open the embedded event store.
 */
async function withMetaStore<T>(config: Config, task: (meta: MetaStore) => Promise<T>): Promise<T> {
  const meta = await createMetaStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await meta.migrate();
    return await task(meta);
  } finally {
    await meta.close();
  }
}

async function sites(config: Config, args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { timezone: { type: 'string' } },
  });
  const [action, domain] = positionals;
  if (action === 'add') {
    if (!domain)
      throw new UsageError('sites add needs a domain, e.g. `sightline sites add example.com --timezone Europe/Berlin`');
    return withMetaStore(config, async (meta) => {
      try {
        const site = await meta.sites.create({ domain, timezone: values.timezone ?? 'UTC' });
        console.log(`Added ${site.domain} (id ${site.id}, time zone ${site.timezone}). Add this to every page:`);
        console.log(
          `  ${trackerSnippet({ publicUrl: config.publicUrl, domain: site.domain, manifest: readTrackerManifest() })}`,
        );
        return 0;
      } catch (error) {
        if (error instanceof DuplicateSiteError) {
          console.error(error.message);
          return 1;
        }
        if (error instanceof InvalidSiteError) throw new UsageError(error.message);
        throw error;
      }
    });
  }
  if (action === 'list') {
    return withMetaStore(config, async (meta) => {
      const all = await meta.sites.list();
      if (all.length === 0) console.log('No sites yet. Add one with `sightline sites add example.com`.');
      for (const site of all) console.log(`${site.id}\t${site.domain}\t${site.timezone}\t${site.publicId}`);
      return 0;
    });
  }
  throw new UsageError('Use `sites add <domain> [--timezone TZ]` or `sites list`');
}

/** The pipeline as imports run it: no rate limits, ephemeral salts for past days. */
function importPipeline(stores: Stores, config: Config) {
  return createPipeline({
    sites: stores.meta.sites,
    salts: createSaltService({ salts: stores.meta.salts, now: Date.now }),
    importSalt: createImportSalts(),
    state: stores.state,
    referrers: createReferrerClassifier(),
    spam: createSpamReferrerList(),
    geo: createGeoLocator({ countryHeader: config.countryHeader }),
    clock: Date.now,
    rateLimits: { perIpPerMinute: 0, perSitePerMinute: 0 },
  });
}

async function importCommand(config: Config, logger: Logger, args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { site: { type: 'string' } } });
  const [file] = positionals;
  if (!file || !values.site)
    throw new UsageError('import needs a file and a site: `sightline import events.ndjson --site example.com`');
  if (!existsSync(file)) throw new UsageError(`No such file: ${file}`);
  const domain = values.site;
  return withStores(config, logger, async (stores) => {
    const site = await stores.meta.sites.findByDomain(domain);
    if (!site) throw new UsageError(`No site ${domain}; add it first with \`sightline sites add ${domain}\``);
    const report = await importEvents(readImportFile(file, site.domain), {
      pipeline: importPipeline(stores, config),
      store: stores.events,
      tokenPrefix: `import:${site.id}:${file}`,
      onProgress: (accepted) => process.stderr.write(`\rimported ${accepted.toLocaleString('en')} events`),
    });
    process.stderr.write('\n');
    // History changes closed periods: with a shared state store (Redis) running nodes must not serve cached answers.
    await bumpStatsGeneration(stores.state, site.id);
    printReport(report);
    return report.accepted > 0 || Object.keys(report.dropped).length === 0 ? 0 : 1;
  });
}

const DEMO_DOMAIN = 'demo.example.com';

async function demo(config: Config, logger: Logger, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { days: { type: 'string', default: '90' } } });
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new UsageError('--days must be a whole number from 1 to 3650');
  return withStores(config, logger, async (stores) => {
    if (await stores.meta.sites.findByDomain(DEMO_DOMAIN)) {
      console.log(`The demo site ${DEMO_DOMAIN} already exists; nothing to do.`);
      return 0;
    }
    const site = await stores.meta.sites.create({ domain: DEMO_DOMAIN, timezone: 'UTC' });
    const seed = Date.now() % 2 ** 31;
    const traffic = generateTraffic({ domain: site.domain, days, endMs: Date.now(), seed });
    const items = (function* (): Generator<ImportItem> {
      for (const { raw, ctx } of traffic) yield { raw, ctx };
    })();
    const report = await importEvents(items, {
      pipeline: importPipeline(stores, config),
      store: stores.events,
      tokenPrefix: `demo:${site.id}:${seed}`,
      onProgress: (accepted) => process.stderr.write(`\rgenerated ${accepted.toLocaleString('en')} events`),
    });
    process.stderr.write('\n');
    printReport(report);
    console.log(`Demo site ${site.domain} (id ${site.id}) has ${days} days of traffic.`);
    return 0;
  });
}

function printReport(report: ImportReport) {
  console.log(`Imported ${report.accepted.toLocaleString('en')} events.`);
  for (const [reason, count] of Object.entries(report.dropped)) console.log(`Skipped ${count} (${reason}).`);
  for (const problem of report.problems) console.log(`  ${problem}`);
}

function printSettings(markdown: boolean) {
  if (markdown) {
    console.log('| Variable | Default | Meaning |\n|---|---|---|');
    for (const spec of Object.values(SETTINGS)) {
      const name = 'secret' in spec && spec.secret ? `\`${spec.env}\` (or \`${spec.env}_FILE\`)` : `\`${spec.env}\``;
      console.log(`| ${name} | ${spec.default === undefined ? '—' : `\`${spec.default}\``} | ${spec.description} |`);
    }
    return;
  }
  for (const spec of Object.values(SETTINGS)) console.log(`${spec.env}=${spec.default ?? ''}\n    ${spec.description}`);
}

/** Errors a user can fix get one line that says how; anything else is a bug and keeps its stack. */
export function explainFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof DataDirLockedError)
    return error.message;
  if (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS')
  ) {
    return `${error.message}\n\n${USAGE}`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`sightline: ${explainFailure(error)}`);
      process.exitCode = 1;
    },
  );
}
