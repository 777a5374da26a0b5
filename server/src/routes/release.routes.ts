import { ExamResponse, Id, ProblemResponses } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import { setRelease } from '../services/release.service.ts';

const Params = z.object({ id: Id });
const tags = ['exams'];
const response = { 200: ExamResponse, ...ProblemResponses };

export const releaseRoutes: RouteModule = (app, ctx) => {
  app.post('/exams/:id/release', { schema: { params: Params, response, tags } }, async (req) => ({ exam: await setRelease(ctx, actorOf(req), req.params.id, true) }));
  app.post('/exams/:id/unrelease', { schema: { params: Params, response, tags } }, async (req) => ({ exam: await setRelease(ctx, actorOf(req), req.params.id, false) }));
};
