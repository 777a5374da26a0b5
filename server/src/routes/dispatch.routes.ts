import { AssigneeBody, AssigneeResponse, DispatchBody, DispatchResponse, Id, ProblemResponses } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as dispatch from '../services/dispatch.service.ts';

const Params = z.object({ id: Id });
const tags = ['dispatch'];

export const dispatchRoutes: RouteModule = (app, ctx) => {
  app.post('/exams/:id/dispatch', { schema: { params: Params, body: DispatchBody, response: { 200: DispatchResponse, ...ProblemResponses }, tags } }, async (req) =>
    dispatch.dispatchExam(ctx, actorOf(req), req.params.id, req.body ?? {}),
  );
  app.put('/copies/:id/assignee', { schema: { params: Params, body: AssigneeBody, response: { 200: AssigneeResponse, ...ProblemResponses }, tags } }, async (req) =>
    dispatch.setAssignee(ctx, actorOf(req), req.params.id, req.body.userId),
  );
};
