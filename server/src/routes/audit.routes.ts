import { AuditListQuery, AuditPage, ProblemResponses } from '@korrigo/contracts';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import { listAudit } from '../services/audit.service.ts';

export const auditRoutes: RouteModule = (app, ctx) => {
  app.get('/audit', { schema: { querystring: AuditListQuery, response: { 200: AuditPage, ...ProblemResponses }, tags: ['audit'] } }, async (req) =>
    listAudit(ctx, actorOf(req), req.query),
  );
};
