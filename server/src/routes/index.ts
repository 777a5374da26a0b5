import type { AppContext } from '../context.ts';
import type { App, RouteModule } from '../http/request.ts';
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
import { rubricRoutes } from './rubric.routes.ts';
import { paperRoutes } from './papers.routes.ts';


/** Every API route module, mounted under /api/v1 (ops routes live at the root). */
const apiModules: RouteModule[] = [authRoutes, userRoutes, examRoutes, copyRoutes, gradingRoutes, uploadRoutes,
  studentRoutes, identificationRoutes, dispatchRoutes, releaseRoutes, exportRoutes, statsRoutes, regradeRoutes, portalRoutes, auditRoutes,
  pageRepairRoutes, attendanceRoutes, rubricRoutes, paperRoutes];

export async function registerRoutes(app: App, ctx: AppContext) {
  await app.register(
    async (api) => {
      for (const m of apiModules) await m(api as App, ctx);
    },
    { prefix: '/api/v1' },
  );
  await opsRoutes(app, ctx);
}
