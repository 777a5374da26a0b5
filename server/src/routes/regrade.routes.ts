import { AnswerRegradeBody, CreateRegradeBody, Id, RegradeListQuery } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from './index.ts';
import { actorOf } from './index.ts';
import * as regrade from '../services/regrade.service.ts';

const Params = z.object({ id: Id });
const tags = ['regrade'];

export const regradeRoutes: RouteModule = (app, ctx) => {
  app.post('/copies/:id/regrade-requests', { schema: { params: Params, body: CreateRegradeBody, tags } }, async (req, reply) =>
    reply.status(201).send({ regradeRequest: await regrade.createRegrade(ctx, actorOf(req), req.params.id, req.body) }),
  );
  app.get('/exams/:id/regrade-requests', { schema: { params: Params, querystring: RegradeListQuery, tags } }, async (req) =>
    regrade.listExamRegrades(ctx, actorOf(req), req.params.id, req.query),
  );
  app.post('/regrade-requests/:id/answer', { schema: { params: Params, body: AnswerRegradeBody, tags } }, async (req) =>
    regrade.answerRegrade(ctx, actorOf(req), req.params.id, req.body),
  );
};
