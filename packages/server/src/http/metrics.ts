import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DropReason } from '../ingest/types.js';

/**
 * Prometheus metrics for one process, on a registry of its own (no global state, so tests can build many apps).
 * Names follow Prometheus conventions: `_total` counters, base units (seconds).
 */
export interface Metrics {
  readonly registry: Registry;
  eventAccepted(source: string, count: number): void;
  eventDropped(reason: DropReason, count?: number): void;
  flushCompleted(rows: number, seconds: number): void;
  flushFailed(): void;
  requestCompleted(method: string, route: string, status: number, seconds: number): void;
  /** Registers a callback read at scrape time (journal depth lives in the journal, not here). */
  observeJournalDepth(read: () => number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sightline_process_' });
  const accepted = new Counter({
    name: 'sightline_events_accepted_total',
    help: 'Events durably accepted (journaled), by source.',
    labelNames: ['source'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'sightline_events_dropped_total',
    help: 'Events not stored, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const flushDuration = new Histogram({
    name: 'sightline_flush_duration_seconds',
    help: 'Time to move one journal batch into the event store.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const flushedRows = new Counter({
    name: 'sightline_flushed_events_total',
    help: 'Events written to the event store.',
    registers: [registry],
  });
  const flushFailures = new Counter({
    name: 'sightline_flush_failures_total',
    help: 'Failed event-store inserts (retried; nothing is dropped).',
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'sightline_http_request_duration_seconds',
    help: 'HTTP request latency by route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const journalReaders: Array<() => number> = [];
  // Labelled children are looked up once per label set: resolving labels on every request showed in profiles.
  const requestChildren = new Map<string, ReturnType<typeof requestDuration.labels>>();
  const acceptedChildren = new Map<string, ReturnType<typeof accepted.labels>>();
  new Gauge({
    name: 'sightline_journal_pending_events',
    help: 'Events accepted into the journal and not yet in the event store.',
    registers: [registry],
    collect() {
      this.set(journalReaders.reduce((sum, read) => sum + read(), 0));
    },
  });
  return {
    registry,
    eventAccepted: (source, count) => {
      let child = acceptedChildren.get(source);
      if (child === undefined) {
        child = accepted.labels(source);
        acceptedChildren.set(source, child);
      }
      child.inc(count);
    },
    eventDropped: (reason, count = 1) => dropped.inc({ reason }, count),
    flushCompleted: (rows, seconds) => {
      flushedRows.inc(rows);
      flushDuration.observe(seconds);
    },
    flushFailed: () => flushFailures.inc(),
    requestCompleted: (method, route, status, seconds) => {
      const key = `${method} ${status} ${route}`;
      let child = requestChildren.get(key);
      if (child === undefined) {
        child = requestDuration.labels(method, route, String(status));
        requestChildren.set(key, child);
      }
      child.observe(seconds);
    },
    observeJournalDepth: (read) => journalReaders.push(read),
  };
}
