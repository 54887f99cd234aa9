import type { EventRow } from '../domain/event.js';
import type { Metrics } from '../http/metrics.js';
import type { DropReason, PipelineResult, RawEvent, RequestContext } from './types.js';

export interface IngestOutcome {
  accepted: number;
  /**
   * One entry per dropped (event, site) pair, with what was wrong when it was the caller's fault; `index` is the
   * event's position in the request (a batch's sender needs to know which one).
   */
  dropped: Array<{ index: number; reason: DropReason; detail?: string }>;
}

/** The slice of the journal ingestion needs: durable append, and how much is waiting. */
export interface JournalWriter {
  append(rows: EventRow[]): Promise<void>;
  pending(): number;
}

export interface Pipeline {
  process(raw: RawEvent, ctx: RequestContext): Promise<PipelineResult[]>;
}

export class OverloadError extends Error {
  override name = 'OverloadError';
  constructor(readonly retryAfterSeconds: number) {
    super('Sightline is catching up with a backlog of events; retry shortly');
  }
}

/**
 * Runs wire events through the pipeline and into the journal. Resolves only once every accepted row is durable:
 * the HTTP layer acknowledges after this returns, and a tracker will not resend.
 */
export function createIngestService(deps: {
  pipeline: Pipeline;
  journal: JournalWriter;
  metrics: Pick<Metrics, 'eventAccepted' | 'eventDropped'>;
  maxPending: number;
}) {
  const { pipeline, journal, metrics, maxPending } = deps;

  async function accept(raws: readonly RawEvent[], ctx: RequestContext): Promise<IngestOutcome> {
    // Refuse before enriching: under backlog the cheapest answer is the right one, and sessions stay untouched.
    if (journal.pending() >= maxPending) {
      metrics.eventDropped('overloaded', raws.length);
      throw new OverloadError(2);
    }
    const rows: EventRow[] = [];
    const dropped: IngestOutcome['dropped'] = [];
    for (let index = 0; index < raws.length; index++) {
      for (const result of await pipeline.process(raws[index] as RawEvent, ctx)) {
        if (result.ok) rows.push(result.row);
        else
          dropped.push(
            result.detail === undefined
              ? { index, reason: result.reason }
              : { index, reason: result.reason, detail: result.detail },
          );
      }
    }
    for (const drop of dropped) metrics.eventDropped(drop.reason);
    if (rows.length > 0) {
      try {
        await journal.append(rows);
      } catch (error) {
        if (isOverload(error)) {
          metrics.eventDropped('overloaded', rows.length);
          throw new OverloadError((error as { retryAfterSeconds?: number }).retryAfterSeconds ?? 2);
        }
        throw error;
      }
      metrics.eventAccepted(ctx.source, rows.length);
    }
    return { accepted: rows.length, dropped };
  }

  return { accept };
}

export type IngestService = ReturnType<typeof createIngestService>;

function isOverload(error: unknown): boolean {
  return error instanceof Error && /overload/i.test(error.name);
}
