import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';

/** Placeholder until this part of the API lands; registers nothing. */
export async function registerSiteRoutes(_app: FastifyInstance, _ctx: ApiContext): Promise<void> {}
