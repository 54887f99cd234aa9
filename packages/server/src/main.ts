import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { registerApiRoutes } from './api/index.js';
import { createAccessControl } from './auth/access.js';
import { createAuditLog } from './auth/audit.js';
import { createMailer } from './auth/mailer.js';
import { createSecretBox, deriveSecretBoxKey } from './auth/secret-box.js';
import { createSessionService } from './auth/sessions.js';
import { createTokens, deriveTokenKey } from './auth/tokens.js';
import type { Config } from './config/index.js';
import { buildApp } from './http/app.js';
import { registerHomeRoute } from './http/home-route.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createGeoLocator } from './ingest/enrich/geo.js';
import { createReferrerClassifier } from './ingest/enrich/referrer.js';
import { createSpamReferrerList } from './ingest/enrich/spam.js';
import { createFlusher } from './ingest/flusher.js';
import { createJournal } from './ingest/journal.js';
import { createPipeline } from './ingest/pipeline.js';
import { registerIngestRoutes } from './ingest/routes.js';
import { createIngestService } from './ingest/service.js';
import { createShieldCache } from './ingest/steps/shields.js';
import { registerTrackerRoutes } from './ingest/tracker-routes.js';
import { FINISH_VISITS_INTERVAL_MS, finishVisitsOnce } from './jobs/finish-visits.js';
import { createSaltService, SALT_ROTATION_INTERVAL_MS } from './jobs/salt-rotation.js';
import { createScheduler } from './jobs/scheduler.js';
import type { Logger } from './logging.js';
import { lockDataDir } from './storage/data-dir-lock.js';
import type { EventStore } from './storage/events/event-store.js';
import { createEventStore } from './storage/events/index.js';
import { createMetaStore } from './storage/meta/index.js';
import type { MetaStore } from './storage/meta/meta-store.js';
import { openStateStore } from './storage/state/index.js';
import type { StateStore } from './storage/state/state-store.js';

/** Every store, opened and migrated, in the order they must close. */
export interface Stores {
  meta: MetaStore;
  events: EventStore;
  state: StateStore;
  close(): Promise<void>;
}

/**
 * Opens the stores the configuration names (the only place adapters are chosen) and migrates them.
 * Embedded stores take the data-directory lock first: one process per directory.
 */
export async function openStores(config: Config, logger: Logger): Promise<Stores> {
  const lock = config.clickhouseUrl === undefined ? lockDataDir(config.dataDir) : undefined;
  const closers: Array<() => Promise<void>> = [];
  try {
    const meta = await createMetaStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    closers.push(() => meta.close());
    await meta.migrate();
    const events = await createEventStore({
      clickhouseUrl: config.clickhouseUrl,
      clickhouseDatabase: config.clickhouseDatabase,
      dataDir: config.dataDir,
    });
    closers.push(() => events.close());
    await events.migrate();
    const state = await openStateStore({
      redisUrl: config.redisUrl,
      onConnectionLost: (error) =>
        logger.warn(
          { err: error },
          'state store: lost the connection to Redis; requests that need shared state fail until it is back',
        ),
      onConnectionRestored: () => logger.info('state store: connection to Redis restored'),
    });
    closers.push(() => state.close());
    logger.debug({ meta: meta.kind, events: events.eventsTable }, 'stores open');
    return {
      meta,
      events,
      state,
      async close() {
        for (const close of closers.reverse()) {
          await close().catch((error: unknown) => logger.error({ err: error }, 'closing a store failed'));
        }
        lock?.release();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}

const DAY_MS = 86_400_000;
/** Expired sessions and mail tokens, and audit entries past retention, are removed this often. */
const ACCOUNT_CLEANUP_INTERVAL_MS = 60 * 60_000;

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  metrics: Metrics;
  stores: Stores;
  /** Moves everything journaled into the event store now (tests and operators; the flusher does it on its own). */
  flushNow(): Promise<void>;
  /** Stops accepting, drains in-flight requests, flushes the journal, closes stores — in that order. */
  close(): Promise<void>;
}

/**
 * Composition root: config → stores → journal and flusher → pipeline → app → listen.
 * Shutdown runs in reverse: the HTTP server stops first, the journal is flushed last (the write buffer outlives the
 * endpoint, as in Plausible), so every acknowledged event reaches the event store.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const stores = await openStores(config, logger);
  const metrics = createMetrics();
  const scheduler = createScheduler({ logger });
  let journal: Awaited<ReturnType<typeof createJournal>> | undefined;
  let flusher: ReturnType<typeof createFlusher> | undefined;
  try {
    journal = await createJournal({
      dir: join(config.dataDir, 'journal'),
      fsync: config.journalSync,
      maxPending: config.journalMaxPending,
      logger,
    });
    const openJournal = journal;
    metrics.observeJournalDepth(() => openJournal.pending());
    if (journal.pending() > 0) logger.info({ pending: journal.pending() }, 'replaying journaled events');
    flusher = createFlusher({
      journal,
      store: stores.events,
      intervalMs: config.flushIntervalMs,
      batchMax: config.flushBatchMax,
      // Leave time for the stores to close inside the shutdown deadline; what is not flushed is replayed on start.
      stopTimeoutMs: Math.max(100, config.shutdownTimeoutMs - 3_000),
      onFlush: (rows, ms) => metrics.flushCompleted(rows, ms / 1000),
      onError: (error) => {
        metrics.flushFailed();
        logger.error({ err: error }, 'moving events into the event store failed; will retry');
      },
      logger,
    });
    flusher.start();

    const salts = createSaltService({ salts: stores.meta.salts, now: Date.now });
    await salts.rotate();
    scheduler.every('salt-rotation', SALT_ROTATION_INTERVAL_MS, () => salts.rotate());
    scheduler.every(
      'finish-visits',
      FINISH_VISITS_INTERVAL_MS,
      async () => {
        const report = await finishVisitsOnce({ events: stores.events, state: stores.state });
        if (report !== undefined && (report.rebuiltDays > 0 || report.replacedRows))
          logger.info(report, 'finished visits rebuilt after late events');
      },
      { runNow: true },
    );

    const geo = createGeoLocator({ countryHeader: config.countryHeader });
    geo.preload();
    // Shared by the pipeline and the shield settings routes, so a change applies to this node's next event.
    const shields = createShieldCache({ repository: stores.meta.shields, clock: Date.now });
    const pipeline = createPipeline({
      sites: stores.meta.sites,
      salts,
      state: stores.state,
      referrers: createReferrerClassifier(),
      spam: createSpamReferrerList(),
      geo,
      clock: Date.now,
      rateLimits: { perIpPerMinute: config.ingestRateLimitPerIp, perSitePerMinute: config.ingestRateLimitPerSite },
      shields,
    });
    const ingest = createIngestService({ pipeline, journal, metrics, maxPending: config.journalMaxPending });

    const now = Date.now;
    const tokens = createTokens({ key: deriveTokenKey(config.secretKey) });
    const sessions = createSessionService({
      sessions: stores.meta.loginSessions,
      users: stores.meta.users,
      tokens,
      idleTimeoutMs: config.sessionIdleDays * DAY_MS,
      maxAgeMs: config.sessionMaxDays * DAY_MS,
      now,
    });
    const access = createAccessControl({
      sessions,
      apiKeys: stores.meta.apiKeys,
      users: stores.meta.users,
      sites: stores.meta.sites,
      members: stores.meta.members,
      tokens,
      now,
    });
    const mailer = createMailer(config, logger);
    const audit = createAuditLog({
      audit: stores.meta.audit,
      geo,
      onError: (error) => logger.error({ err: error }, 'writing the audit log failed'),
    });
    scheduler.every('account-cleanup', ACCOUNT_CLEANUP_INTERVAL_MS, async () => {
      await sessions.sweep();
      await stores.meta.userTokens.deleteExpired(new Date(now()));
      await stores.meta.audit.deleteBefore(new Date(now() - config.auditRetentionDays * DAY_MS));
    });

    const app = await buildApp({
      logger,
      metrics,
      trustProxy: config.trustProxy,
      metricsToken: config.metricsToken,
      publicUrl: config.publicUrl,
      health: async () => ({
        components: {
          metadata: await stores.meta.health(),
          events: await stores.events.health(),
          state: (await stores.state.health?.()) ?? { ok: true, engine: 'memory' },
        },
        journalPending: openJournal.pending(),
      }),
      routes: async (instance) => {
        await registerIngestRoutes(instance, { ingest });
        await registerTrackerRoutes(instance);
        await registerApiRoutes(instance, {
          config,
          logger,
          metrics,
          meta: { ...stores.meta, shields: shields.repository },
          events: stores.events,
          state: stores.state,
          ingest,
          geo,
          now,
          tokens,
          secretBox: createSecretBox([deriveSecretBoxKey(config.secretKey)]),
          sessions,
          access,
          mailer,
          audit,
          secureCookies: config.publicUrl.startsWith('https://'),
          sitesChanged: () => pipeline.forgetSites(),
        });
        registerHomeRoute(instance, { publicUrl: config.publicUrl });
      },
    });
    const address = await app.listen({ port: config.port, host: config.host });
    const port = (app.server.address() as { port: number }).port;
    logger.info({ address, data: config.embedded ? config.dataDir : undefined }, 'Sightline is listening');
    if ((await stores.meta.users.count()) === 0) {
      logger.info(`No account yet: open ${config.publicUrl} to create the owner account (first-run setup)`);
    }

    let closing: Promise<void> | undefined;
    const runningFlusher = flusher;
    return {
      app,
      metrics,
      stores,
      flushNow: () => runningFlusher.flushNow(),
      url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
      close: () => {
        closing ??= (async () => {
          await app.close();
          await runningFlusher.stop();
          await openJournal.close();
          await scheduler.stop();
          await mailer.close();
          await stores.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await flusher?.stop().catch(() => undefined);
    await journal?.close().catch(() => undefined);
    await scheduler.stop();
    await stores.close();
    throw error;
  }
}
