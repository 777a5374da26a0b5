import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext, Actor } from '../context.ts';
import { AppError } from '../errors.ts';
import { authRoutes } from './auth.routes.ts';
import { userRoutes } from './user.routes.ts';
import { examRoutes } from './exam.routes.ts';
import { copyRoutes } from './copy.routes.ts';
import { gradingRoutes } from './grading.routes.ts';
import { opsRoutes } from './ops.routes.ts';
import { studentRoutes } from './student.routes.ts';
import { identificationRoutes } from './identification.routes.ts';
import { dispatchRoutes } from './dispatch.routes.ts';
import { releaseRoutes } from './release.routes.ts';
import { exportRoutes } from './export.routes.ts';
import { statsRoutes } from './stats.routes.ts';
import { regradeRoutes } from './regrade.routes.ts';
import { portalRoutes } from './portal.routes.ts';
import { uploadRoutes } from './upload.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { pageRepairRoutes } from './page-repair.routes.ts';
import { attendanceRoutes } from './attendance.routes.ts';

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;
export type RouteModule = (app: App, ctx: AppContext) => Promise<void> | void;

/** The signed-in actor, or 401. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 401, 'Please log in');
  return req.actor;
}

export const lockToken = (req: FastifyRequest): string | undefined => {
  const v = req.headers['x-lock-token'];
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
};

/** Every API route module, mounted under /api/v1 (ops routes live at the root). */
const apiModules: RouteModule[] = [authRoutes, userRoutes, examRoutes, copyRoutes, gradingRoutes, uploadRoutes,
  studentRoutes, identificationRoutes, dispatchRoutes, releaseRoutes, exportRoutes, statsRoutes, regradeRoutes, portalRoutes, auditRoutes,
  pageRepairRoutes, attendanceRoutes];

export async function registerRoutes(app: App, ctx: AppContext) {
  await app.register(
    async (api) => {
      for (const m of apiModules) await m(api as App, ctx);
    },
    { prefix: '/api/v1' },
  );
  await opsRoutes(app, ctx);
}
