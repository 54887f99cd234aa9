import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreparedRequest, runLoad } from './load-generator.js';

/** A stand-in ingestion endpoint: answers 202, drops every 10th event by header, sheds every 50th with 503. */
let server: Server;
let url: string;
let received = 0;
let inFlight = 0;
let maxInFlight = 0;
const bodies = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const sequence = ++received;
      bodies.add(Buffer.concat(chunks).toString());
      // Answer a moment later so requests overlap and concurrency is observable.
      setTimeout(() => {
        inFlight--;
        if (sequence % 50 === 0) {
          res.writeHead(503, { 'retry-after': '1' }).end();
        } else if (sequence % 10 === 0) {
          res.writeHead(202, { 'x-sightline-dropped': 'bot' }).end('ok');
        } else {
          res.writeHead(202).end('ok');
        }
      }, 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/event`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const requests: PreparedRequest[] = Array.from({ length: 7 }, (_, i) => ({
  body: Buffer.from(JSON.stringify({ n: 'pageview', u: `https://bench.example/${i}` })),
  headers: { 'content-type': 'application/json' },
}));

describe('runLoad', () => {
  it('sends exactly the requested count, never more than the concurrency at once, and counts every outcome', async () => {
    received = 0;
    maxInFlight = 0;
    bodies.clear();
    const report = await runLoad({ url, requests, concurrency: 8, maxRequests: 500, warmupMs: 0 });
    expect(received).toBe(500);
    expect(report.sent).toBe(500);
    expect(report.completed).toBe(500);
    expect(maxInFlight).toBeLessThanOrEqual(8);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(report.byStatus).toEqual({ 202: 490, 503: 10 });
    expect(report.droppedByReason).toEqual({ bot: 40 });
    expect(report.accepted).toBe(450);
    expect(bodies.size).toBe(7); // the pool is cycled
    expect(report.latency.count).toBe(500);
    expect(report.latency.percentile(50)).toBeGreaterThanOrEqual(2);
  });

  it('runs for the requested duration and reports a per-second rate over the steady phase', async () => {
    const report = await runLoad({ url, requests, concurrency: 4, durationMs: 2200, warmupMs: 1000 });
    expect(report.elapsedMs).toBeGreaterThanOrEqual(2200);
    expect(report.elapsedMs).toBeLessThan(4000);
    expect(report.steady.fromMs).toBe(1000);
    expect(report.steady.toMs).toBe(2000);
    expect(report.steady.accepted).toBe(report.acceptedPerSecond[1]);
    expect(report.steady.perSecond).toBeGreaterThan(100);
    expect(report.acceptedPerSecond.reduce((a, b) => a + b, 0)).toBe(report.accepted);
  });

  it('counts connection failures instead of throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const report = await runLoad({
      url: `http://127.0.0.1:${port}/api/event`,
      requests,
      concurrency: 2,
      maxRequests: 6,
      warmupMs: 0,
    });
    expect(report.errors).toEqual({ ECONNREFUSED: 6 });
    expect(report.accepted).toBe(0);
  });
});
