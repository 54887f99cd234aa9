import { Type } from '@sinclair/typebox';
import { SITE_ROLES } from '../domain/account.js';

/** Schemas shared by the site routes (and shown in the OpenAPI document). */

export const ErrorBody = Type.Object({ error: Type.String({ description: 'What to fix' }) });

export const RoleBody = Type.Union(SITE_ROLES.map((role) => Type.Literal(role)));

/** SiteSummary of the API contract. */
export const SiteSummaryBody = Type.Object({
  id: Type.Integer(),
  domain: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  isPublic: Type.Boolean(),
  role: RoleBody,
  createdAt: Type.String({ format: 'date-time' }),
});

export const SiteParams = Type.Object({ siteId: Type.String({ maxLength: 20 }) });

/** A site and one numeric id below it (`/api/sites/:siteId/goals/:id`). */
export const SiteItemParams = Type.Object({
  siteId: Type.String({ maxLength: 20 }),
  id: Type.String({ maxLength: 20 }),
});
