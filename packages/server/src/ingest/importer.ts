import { randomBytes } from 'node:crypto';
import type { EventRow } from '../domain/event.js';
import type { EventStore } from '../storage/events/event-store.js';
import type { Pipeline } from './service.js';
import type { DropReason, RawEvent, RequestContext } from './types.js';

export interface ImportItem {
  raw: RawEvent;
  ctx: RequestContext;
  /** Where the item came from, for error messages (e.g. a line number). */
  origin?: string;
  /** Set when the source could not even be read as an event (e.g. a line that is not JSON). */
  error?: string;
}

export interface ImportReport {
  accepted: number;
  dropped: Partial<Record<DropReason, number>>;
  /** The first few problems, each with where it came from, so the operator can fix the file. */
  problems: string[];
}

/**
 * Historical salts for imports. A past day's real salt is deleted (or never existed), so imported history is
 * hashed with random salts that live only as long as this import: ids stay consistent within one import run and
 * cannot be recomputed afterwards, which is the same promise live traffic gets.
 */
export function createImportSalts(): (day: string) => Buffer {
  const salts = new Map<string, Buffer>();
  return (day) => {
    let salt = salts.get(day);
    if (!salt) {
      salt = randomBytes(32);
      salts.set(day, salt);
    }
    return salt;
  };
}

/**
 * Runs historical events through the same pipeline as live traffic and writes them to the event store in batches.
 * Each batch's idempotency token is derived from `tokenPrefix` and its position, so re-running an interrupted
 * import of the same file stores each batch once.
 */
export async function importEvents(
  items: AsyncIterable<ImportItem> | Iterable<ImportItem>,
  deps: {
    pipeline: Pipeline;
    store: EventStore;
    tokenPrefix: string;
    batchSize?: number;
    onProgress?: (accepted: number) => void;
  },
): Promise<ImportReport> {
  const batchSize = deps.batchSize ?? 20_000;
  const report: ImportReport = { accepted: 0, dropped: {}, problems: [] };
  let batch: EventRow[] = [];
  let batchNumber = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await deps.store.insertBatch(batch, `${deps.tokenPrefix}:${batchNumber++}`);
    report.accepted += batch.length;
    batch = [];
    deps.onProgress?.(report.accepted);
  };
  const countInvalid = (origin: string | undefined, detail: string) => {
    report.dropped.invalid = (report.dropped.invalid ?? 0) + 1;
    if (report.problems.length < 20) report.problems.push(`${origin ?? 'event'}: ${detail}`);
  };
  for await (const item of items) {
    if (item.error !== undefined) {
      countInvalid(item.origin, item.error);
      continue;
    }
    for (const result of await deps.pipeline.process(item.raw, item.ctx)) {
      if (result.ok) {
        batch.push(result.row);
        continue;
      }
      if (result.reason === 'invalid') countInvalid(item.origin, result.detail ?? 'invalid event');
      else report.dropped[result.reason] = (report.dropped[result.reason] ?? 0) + 1;
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}
