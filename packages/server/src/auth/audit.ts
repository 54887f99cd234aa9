import type { FastifyRequest } from 'fastify';
import type { GeoLocator } from '../ingest/enrich/geo.js';
import type { AuditRepository } from '../storage/meta/meta-store.js';

const MAX_USER_AGENT_LENGTH = 512;

export interface AuditEvent {
  userId: number | null;
  siteId?: number | null;
  /** Dotted verb, e.g. `login.failed`, `mfa.enabled`, `api_key.created`, `member.role_changed`. */
  action: string;
  /** Small, secret-free details (ids, names, roles), shown on the audit page. */
  details?: Record<string, unknown>;
}

export interface AuditLog {
  /** Records an event with the request's client IP, country and user agent. Never throws: auditing must not break a sign-in. */
  record(request: FastifyRequest, event: AuditEvent): Promise<void>;
}

export function createAuditLog(deps: {
  audit: Pick<AuditRepository, 'append'>;
  geo: Pick<GeoLocator, 'countryFor'>;
  onError: (error: unknown) => void;
}): AuditLog {
  return {
    async record(request, event) {
      try {
        await deps.audit.append({
          userId: event.userId,
          siteId: event.siteId ?? null,
          action: event.action,
          ip: request.ip,
          country: deps.geo.countryFor(request.ip, request.headers),
          userAgent: String(request.headers['user-agent'] ?? '').slice(0, MAX_USER_AGENT_LENGTH),
          details: event.details ?? {},
        });
      } catch (error) {
        deps.onError(error);
      }
    },
  };
}
