import {
  AnswerRegradeBody,
  AnswerRegradeResponse,
  CopyRegradeList,
  CreateRegradeBody,
  CreateRegradeResponse,
  ExamRegradeList,
  Id,
  ProblemResponses,
  ReassignRegradeBody,
  ReassignRegradeResponse,
  RegradeDeadlineBody,
  RegradeDeadlineResponse,
  RegradeListQuery,
} from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as regrade from '../services/regrade.service.ts';

const Params = z.object({ id: Id });
const tags = ['regrade'];

export const regradeRoutes: RouteModule = (app, ctx) => {
  app.post('/copies/:id/regrade-requests', { schema: { params: Params, body: CreateRegradeBody, response: { 201: CreateRegradeResponse, ...ProblemResponses }, tags } }, async (req, reply) =>
    reply.status(201).send({ regradeRequest: await regrade.createRegrade(ctx, actorOf(req), req.params.id, req.body) }),
  );
  app.get('/copies/:id/regrade-requests', { schema: { params: Params, response: { 200: CopyRegradeList, ...ProblemResponses }, tags } }, async (req) =>
    regrade.listCopyRegrades(ctx, actorOf(req), req.params.id),
  );
  app.get('/exams/:id/regrade-requests', { schema: { params: Params, querystring: RegradeListQuery, response: { 200: ExamRegradeList, ...ProblemResponses }, tags } }, async (req) =>
    regrade.listExamRegrades(ctx, actorOf(req), req.params.id, req.query),
  );
  app.put('/exams/:id/regrade-deadline', { schema: { params: Params, body: RegradeDeadlineBody, response: { 200: RegradeDeadlineResponse, ...ProblemResponses }, tags } }, async (req) =>
    regrade.setDeadline(ctx, actorOf(req), req.params.id, req.body.deadline),
  );
  app.post('/regrade-requests/:id/answer', { schema: { params: Params, body: AnswerRegradeBody, response: { 200: AnswerRegradeResponse, ...ProblemResponses }, tags } }, async (req) =>
    regrade.answerRegrade(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post('/regrade-requests/:id/reassign', { schema: { params: Params, body: ReassignRegradeBody, response: { 200: ReassignRegradeResponse, ...ProblemResponses }, tags } }, async (req) =>
    regrade.reassignRegrade(ctx, actorOf(req), req.params.id, req.body.userId),
  );
};
