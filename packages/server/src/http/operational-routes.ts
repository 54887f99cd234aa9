import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

const ComponentHealth = Type.Object({
  ok: Type.Boolean(),
  engine: Type.String(),
  detail: Type.Optional(Type.String()),
});

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  components: Type.Record(Type.String(), ComponentHealth),
  journal: Type.Object({ pending: Type.Integer({ description: 'Events accepted and not yet in the event store' }) }),
});

export interface HealthReport {
  components: Record<string, { ok: boolean; engine: string; detail?: string }>;
  journalPending: number;
}

export type HealthCheck = () => Promise<HealthReport>;

/** Health, Prometheus metrics and the OpenAPI document: what an operator and a load balancer look at. */
export async function registerOperationalRoutes(
  app: FastifyInstance,
  deps: { metrics: Metrics; health: HealthCheck; metricsToken?: string | undefined },
) {
  const expected = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health of every store; 503 when one is down',
        tags: ['operations'],
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (_request, reply) => {
      const report = await deps.health();
      const ok = Object.values(report.components).every((component) => component.ok);
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'degraded',
        components: report.components,
        journal: { pending: report.journalPending },
      });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['operations'],
        response: { 200: Type.String(), 401: Type.Object({ error: Type.String() }) },
      },
    },
    async (request, reply) => {
      if (expected !== undefined && !bearerMatches(request.headers.authorization, expected)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({ error: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
      }
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    },
  );

  app.get(
    '/api-docs',
    {
      schema: {
        summary: 'This OpenAPI document',
        tags: ['operations'],
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async () => app.swagger(),
  );
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests in constant time, so response timing says nothing about how much of a guess was right. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1].trim()), expected);
}
