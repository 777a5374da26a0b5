import { AuditListQuery, AuditPage } from '@korrigo/contracts';
import type { RouteModule } from './index.ts';
import { actorOf } from './index.ts';
import { listAudit } from '../services/audit.service.ts';

export const auditRoutes: RouteModule = (app, ctx) => {
  app.get('/audit', { schema: { querystring: AuditListQuery, response: { 200: AuditPage }, tags: ['audit'] } }, async (req) =>
    listAudit(ctx, actorOf(req), req.query),
  );
};
