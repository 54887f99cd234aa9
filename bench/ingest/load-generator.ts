import { Agent, request } from 'node:http';
import { createLatencyHistogram, type LatencyHistogram } from './latency-histogram.js';

/** One HTTP request, built ahead of time so the load generator spends its CPU on sending, not on JSON. */
export interface PreparedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

export interface LoadOptions {
  /** Absolute http:// URL every request is POSTed to. */
  url: string;
  /** Cycled in order; variety comes from the pool, not from per-request work. */
  requests: readonly PreparedRequest[];
  /** Requests in flight at once (a closed loop: each finished request starts the next). */
  concurrency: number;
  /** Stop starting requests after this long. At least one of durationMs / maxRequests is required. */
  durationMs?: number;
  /** Stop after this many requests. */
  maxRequests?: number;
  /** Seconds at the start left out of the sustained rate (connection set-up, JIT, the server's first flushes). */
  warmupMs: number;
  /** A request slower than this counts as a timeout error. */
  timeoutMs?: number;
  /** Response header naming events a 2xx answer did not store (`x-sightline-dropped`). */
  droppedHeader?: string;
  /** Called once per elapsed second with that second's accepted count. */
  onSecond?: (second: number, accepted: number) => void;
}

export interface LoadReport {
  elapsedMs: number;
  sent: number;
  completed: number;
  /** Responses by HTTP status. */
  byStatus: Record<string, number>;
  /** Requests that got no response, by error code (ECONNREFUSED, ECONNRESET, timeout, …). */
  errors: Record<string, number>;
  /** 2xx responses whose event was stored (no dropped header). */
  accepted: number;
  /** 2xx responses whose event the pipeline dropped, by the reason the header names. */
  droppedByReason: Record<string, number>;
  /** Accepted events per elapsed second, from the start of the load. */
  acceptedPerSecond: number[];
  steady: { fromMs: number; toMs: number; accepted: number; perSecond: number; minSecond: number; maxSecond: number };
  latency: LatencyHistogram;
}

const MAX_CONCURRENCY = 4096;

/**
 * Drives a closed-loop load: `concurrency` workers, each sending its next request as soon as the last one answers,
 * over keep-alive connections. Never throws for a failed request; every outcome is counted.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const target = new URL(options.url);
  if (target.protocol !== 'http:')
    throw new RangeError(`the load generator speaks plain http to loopback, got ${options.url}`);
  if (options.requests.length === 0) throw new RangeError('requests must not be empty');
  if (options.durationMs === undefined && options.maxRequests === undefined)
    throw new RangeError('give durationMs or maxRequests');
  const concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(options.concurrency)));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const droppedHeader = (options.droppedHeader ?? 'x-sightline-dropped').toLowerCase();
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });

  const latency = createLatencyHistogram();
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const droppedByReason: Record<string, number> = {};
  const acceptedPerSecond: number[] = [];
  let accepted = 0;
  let sent = 0;
  let completed = 0;
  let next = 0;

  const start = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs;
  const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
  let reportedSeconds = 0;
  const ticker = setInterval(() => {
    const elapsedSeconds = Math.floor((performance.now() - start) / 1000);
    while (reportedSeconds < elapsedSeconds) {
      options.onSecond?.(reportedSeconds + 1, acceptedPerSecond[reportedSeconds] ?? 0);
      reportedSeconds++;
    }
  }, 200);

  const sendOne = (prepared: PreparedRequest) =>
    new Promise<void>((resolve) => {
      const began = performance.now();
      let settled = false;
      const finish = (outcome: { status: number; dropped?: string } | { error: string }) => {
        if (settled) return;
        settled = true;
        const now = performance.now();
        latency.record(now - began);
        completed++;
        if ('error' in outcome) {
          errors[outcome.error] = (errors[outcome.error] ?? 0) + 1;
        } else {
          byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
          if (outcome.status >= 200 && outcome.status < 300) {
            if (outcome.dropped) {
              for (const reason of outcome.dropped.split(','))
                droppedByReason[reason.trim()] = (droppedByReason[reason.trim()] ?? 0) + 1;
            } else {
              accepted++;
              const second = Math.floor((now - start) / 1000);
              acceptedPerSecond[second] = (acceptedPerSecond[second] ?? 0) + 1;
            }
          }
        }
        resolve();
      };
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: { ...prepared.headers, 'content-length': String(prepared.body.length) },
        },
        (res) => {
          const dropped = res.headers[droppedHeader];
          res.resume(); // drain the body so the socket returns to the pool
          res.on('end', () =>
            finish({ status: res.statusCode ?? 0, dropped: Array.isArray(dropped) ? dropped.join(',') : dropped }),
          );
          res.on('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
        },
      );
      req.setTimeout(timeoutMs, () => {
        finish({ error: 'timeout' });
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
      req.end(prepared.body);
    });

  const worker = async () => {
    while (performance.now() < deadline && sent < maxRequests) {
      const prepared = options.requests[next % options.requests.length] as PreparedRequest;
      next++;
      sent++;
      await sendOne(prepared);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(ticker);
    agent.destroy();
  }

  const elapsedMs = performance.now() - start;
  // Whole seconds only: a partial last second would drag the rate down for no reason but the cut-off.
  const fullSeconds = Math.floor(elapsedMs / 1000);
  const warmupSeconds = Math.min(Math.ceil(options.warmupMs / 1000), Math.max(0, fullSeconds - 1));
  const steadyBins = Array.from(
    { length: Math.max(0, fullSeconds - warmupSeconds) },
    (_, i) => acceptedPerSecond[warmupSeconds + i] ?? 0,
  );
  const steadyAccepted = steadyBins.reduce((sum, n) => sum + n, 0);
  return {
    elapsedMs,
    sent,
    completed,
    byStatus,
    errors,
    accepted,
    droppedByReason,
    acceptedPerSecond: Array.from({ length: Math.ceil(elapsedMs / 1000) }, (_, i) => acceptedPerSecond[i] ?? 0),
    steady: {
      fromMs: warmupSeconds * 1000,
      toMs: fullSeconds * 1000,
      accepted: steadyAccepted,
      // Runs shorter than a second have no full bin: fall back to the overall rate.
      perSecond:
        steadyBins.length > 0 ? steadyAccepted / steadyBins.length : accepted / Math.max(elapsedMs / 1000, 0.001),
      minSecond: steadyBins.length > 0 ? Math.min(...steadyBins) : 0,
      maxSecond: steadyBins.length > 0 ? Math.max(...steadyBins) : 0,
    },
    latency,
  };
}
