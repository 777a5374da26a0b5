import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext, Actor } from '../context.ts';
import { AppError } from '../errors.ts';

/** What a route module sees: the Fastify instance typed with Zod, and the application context. */
export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;
export type RouteModule = (app: App, ctx: AppContext) => Promise<void> | void;

/** The session cookie's name (set by /auth/login, read by the authentication hook). */
export const SESSION_COOKIE = 'korrigo_session';

/** The signed-in actor, or 401. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 401, 'Please log in');
  return req.actor;
}

/** The lease token a grading write carries in `X-Lock-Token`, when it is a plausible one. */
export const lockToken = (req: FastifyRequest): string | undefined => {
  const v = req.headers['x-lock-token'];
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
};
