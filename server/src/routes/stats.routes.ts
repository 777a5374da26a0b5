import { ExamStats, Id, ProblemResponses, StatsQuery } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import { examStats } from '../services/stats.service.ts';

export const statsRoutes: RouteModule = (app, ctx) => {
  app.get('/exams/:id/stats', { schema: { params: z.object({ id: Id }), querystring: StatsQuery, response: { 200: ExamStats, ...ProblemResponses }, tags: ['exams'] } }, async (req) =>
    examStats(ctx, actorOf(req), req.params.id, req.query),
  );
};
