import {
  AnnotationResponse,
  CopyStatusResponse,
  CreateAnnotationBody,
  DeleteAnnotationQuery,
  Draft,
  DraftSaved,
  FinalizeBody,
  FinalizeResponse,
  HeartbeatResponse,
  Id,
  LockBody,
  LockResponse,
  NoContent,
  PatchAnnotationBody,
  ProblemResponses,
  PutDraftBody,
  PutScoreBody,
  ScoreResponse,
  SubmitBody,
} from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf, lockToken } from '../http/request.ts';
import * as grading from '../services/grading.service.ts';

const Params = z.object({ id: Id });
const tags = ['grading'];
const noContent = { 204: NoContent, ...ProblemResponses };
const copyStatus = { 200: CopyStatusResponse, ...ProblemResponses };

export const gradingRoutes: RouteModule = (app, ctx) => {
  app.post('/copies/:id/lock', { schema: { params: Params, body: LockBody, response: { 200: LockResponse, ...ProblemResponses }, tags } }, async (req) =>
    grading.acquireLock(ctx, actorOf(req), req.params.id, req.body?.questionId),
  );
  app.post('/copies/:id/lock/heartbeat', { schema: { params: Params, response: { 200: HeartbeatResponse, ...ProblemResponses }, tags } }, async (req) =>
    grading.heartbeat(ctx, actorOf(req), req.params.id, lockToken(req)),
  );
  app.delete('/copies/:id/lock', { schema: { params: Params, response: noContent, tags } }, async (req, reply) => {
    await grading.releaseLock(ctx, actorOf(req), req.params.id, lockToken(req));
    return reply.status(204).send();
  });

  app.get('/copies/:id/draft', { schema: { params: Params, response: { 200: Draft, ...ProblemResponses }, tags } }, async (req) => grading.getDraft(ctx, actorOf(req), req.params.id, lockToken(req)));
  app.put('/copies/:id/draft', { schema: { params: Params, body: PutDraftBody, response: { 200: DraftSaved, ...ProblemResponses }, tags }, bodyLimit: 2 * 1024 * 1024 }, async (req) =>
    grading.putDraft(ctx, actorOf(req), req.params.id, lockToken(req), req.body),
  );

  app.post('/copies/:id/annotations', { schema: { params: Params, body: CreateAnnotationBody, response: { 201: AnnotationResponse, ...ProblemResponses }, tags } }, async (req, reply) =>
    reply.status(201).send({ annotation: await grading.createAnnotation(ctx, actorOf(req), req.params.id, lockToken(req), req.body) }),
  );
  app.patch('/annotations/:id', { schema: { params: Params, body: PatchAnnotationBody, response: { 200: AnnotationResponse, ...ProblemResponses }, tags } }, async (req) => ({
    annotation: await grading.patchAnnotation(ctx, actorOf(req), req.params.id, lockToken(req), req.body),
  }));
  app.delete('/annotations/:id', { schema: { params: Params, querystring: DeleteAnnotationQuery, response: noContent, tags } }, async (req, reply) => {
    await grading.deleteAnnotation(ctx, actorOf(req), req.params.id, lockToken(req), req.query.version);
    return reply.status(204).send();
  });

  app.put(
    '/copies/:id/scores/:questionId',
    { schema: { params: z.object({ id: Id, questionId: Id }), body: PutScoreBody, response: { 200: ScoreResponse, ...ProblemResponses }, tags } },
    async (req) => ({ score: await grading.putScore(ctx, actorOf(req), req.params.id, req.params.questionId, lockToken(req), req.body) }),
  );

  app.delete(
    '/copies/:id/scores/:questionId',
    { schema: { params: z.object({ id: Id, questionId: Id }), querystring: DeleteAnnotationQuery, response: noContent, tags } },
    async (req, reply) => {
      await grading.deleteScore(ctx, actorOf(req), req.params.id, req.params.questionId, lockToken(req), req.query.version);
      return reply.status(204).send();
    },
  );

  app.post('/copies/:id/submit', { schema: { params: Params, body: SubmitBody, response: copyStatus, tags } }, async (req) =>
    grading.submit(ctx, actorOf(req), req.params.id, lockToken(req), req.body),
  );
  app.post('/copies/:id/unlock', { schema: { params: Params, response: copyStatus, tags } }, async (req) => grading.unlock(ctx, actorOf(req), req.params.id));
  app.post('/copies/:id/finalize', { schema: { params: Params, body: FinalizeBody, response: { 200: FinalizeResponse, 202: FinalizeResponse, ...ProblemResponses }, tags } }, async (req, reply) => {
    const r = await grading.finalize(ctx, actorOf(req), req.params.id, lockToken(req), req.body);
    return reply.status(r.status === 'GRADED' ? 200 : 202).send(r);
  });
  app.post('/copies/:id/reopen', { schema: { params: Params, response: copyStatus, tags } }, async (req) => grading.reopen(ctx, actorOf(req), req.params.id));
};
