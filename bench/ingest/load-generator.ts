import { connect, type Socket } from 'node:net';
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

  // Requests are sent as prebuilt bytes over raw keep-alive sockets and answers are read with a minimal parser:
  // node's http client costs about as much CPU per request as the server under test, and on a 2-core machine
  // every cycle the load generator spends is taken from the server it measures (wrk does the same in C).
  const rawRequests = options.requests.map((prepared) => rawRequest(target, prepared));

  const worker = async () => {
    const connection = new RawConnection(target, timeoutMs);
    try {
      while (performance.now() < deadline && sent < maxRequests) {
        const index = next % rawRequests.length;
        next++;
        sent++;
        const began = performance.now();
        const outcome = await connection.send(rawRequests[index] as Buffer, droppedHeader);
        const now = performance.now();
        latency.record(now - began);
        completed++;
        if ('error' in outcome) {
          errors[outcome.error] = (errors[outcome.error] ?? 0) + 1;
          continue;
        }
        byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
        if (outcome.status < 200 || outcome.status >= 300) continue;
        if (outcome.dropped) {
          for (const reason of outcome.dropped.split(','))
            droppedByReason[reason.trim()] = (droppedByReason[reason.trim()] ?? 0) + 1;
        } else {
          accepted++;
          const second = Math.floor((now - start) / 1000);
          acceptedPerSecond[second] = (acceptedPerSecond[second] ?? 0) + 1;
        }
      }
    } finally {
      connection.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(ticker);
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

function rawRequest(target: URL, prepared: PreparedRequest): Buffer {
  const headers = { host: target.host, ...prepared.headers, 'content-length': String(prepared.body.length) };
  const head = `POST ${target.pathname}${target.search} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), prepared.body]);
}

type Outcome = { status: number; dropped?: string } | { error: string };

const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** One keep-alive HTTP/1.1 connection, one request at a time; reconnects after the server closes it. */
class RawConnection {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: ((outcome: Outcome) => void) | undefined;
  private droppedHeader = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: URL,
    private readonly timeoutMs: number,
  ) {}

  send(bytes: Buffer, droppedHeader: string): Promise<Outcome> {
    this.droppedHeader = droppedHeader;
    return new Promise((resolve) => {
      this.pending = resolve;
      this.timer = setTimeout(() => this.fail('timeout'), this.timeoutMs);
      this.open().write(bytes);
    });
  }

  close() {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    if (this.socket) return this.socket;
    const socket = connect({ host: this.target.hostname, port: Number(this.target.port || 80), noDelay: true });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // Only the current socket's end concerns the request in flight; an old socket's late events are ignored.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.fail(error.code ?? error.message);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.fail('ECONNRESET');
    });
    this.socket = socket;
    this.buffered = Buffer.alloc(0);
    return socket;
  }

  private receive(chunk: Buffer) {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.buffered.subarray(0, headerEnd).toString('latin1');
    const lines = head.split('\r\n');
    const status = Number(lines[0]?.split(' ')[1]);
    let length = 0;
    let chunked = false;
    let dropped: string | undefined;
    let closing = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === this.droppedHeader) dropped = value;
      else if (name === 'connection' && value.toLowerCase() === 'close') closing = true;
    }
    const bodyStart = headerEnd + HEADER_END.length;
    let end = bodyStart + length;
    if (chunked) {
      // Small bodies only: the answer ends with the zero-length chunk.
      const last = this.buffered.indexOf(LAST_CHUNK, bodyStart);
      if (last < 0) return;
      end = last + LAST_CHUNK.length;
    }
    if (this.buffered.length < end) return;
    this.buffered = this.buffered.subarray(end);
    if (closing) this.close();
    this.settle(dropped === undefined ? { status } : { status, dropped });
  }

  private fail(error: string) {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    this.settle({ error });
  }

  private settle(outcome: Outcome) {
    const resolve = this.pending;
    if (!resolve) return;
    this.pending = undefined;
    clearTimeout(this.timer);
    resolve(outcome);
  }
}
