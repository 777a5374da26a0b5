import {
  ProblemResponses,
  CopyRubricResponse,
  CreateRubricItemBody,
  DeleteRubricItemQuery,
  ExamProgress,
  FinalizeCompleteResponse,
  Id,
  NextCopyQuery,
  NextCopyResponse,
  PatchRubricItemBody,
  PatchRubricItemResponse,
  PreviewRubricItemBody,
  PutQuestionCorrectorsBody,
  PutRegionBody,
  PutRubricBody,
  PutRubricResponse,
  PutScoringModeBody,
  QuestionCorrectorsList,
  QuestionSettings,
  RubricEditEffect,
  RubricItemList,
  RubricItemListQuery,
  RubricItemResponse,
  NoContent,
} from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf, lockToken } from '../http/request.ts';
import * as rubric from '../services/rubric/rubric.service.ts';
import * as edit from '../services/rubric/rubric-edit.service.ts';
import * as qmode from '../services/rubric/question-mode.service.ts';

const Params = z.object({ id: Id });
const QParams = z.object({ id: Id, questionId: Id });
const tags = ['rubrics'];

/** Rubrics and question-by-question grading (API.md "Rubrics and question leases (v1.1)", issue 13). */
export const rubricRoutes: RouteModule = (app, ctx) => {
  app.get('/exams/:id/rubric-items', { schema: { params: Params, querystring: RubricItemListQuery, response: { 200: RubricItemList, ...ProblemResponses }, tags } }, async (req) =>
    rubric.listRubricItems(ctx, actorOf(req), req.params.id, req.query),
  );
  app.post('/exams/:id/rubric-items', { schema: { params: Params, body: CreateRubricItemBody, response: { 201: RubricItemResponse, ...ProblemResponses }, tags } }, async (req, reply) =>
    reply.status(201).send({ item: await rubric.createRubricItem(ctx, actorOf(req), req.params.id, req.body) }),
  );
  app.patch('/rubric-items/:id', { schema: { params: Params, body: PatchRubricItemBody, response: { 200: PatchRubricItemResponse, ...ProblemResponses }, tags } }, async (req) =>
    edit.patchRubricItem(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post('/rubric-items/:id/preview', { schema: { params: Params, body: PreviewRubricItemBody, response: { 200: RubricEditEffect, ...ProblemResponses }, tags } }, async (req) =>
    edit.previewItemEdit(ctx, actorOf(req), req.params.id, req.body),
  );
  app.delete('/rubric-items/:id', { schema: { params: Params, querystring: DeleteRubricItemQuery, response: { 204: NoContent, ...ProblemResponses }, tags } }, async (req, reply) => {
    await edit.deleteRubricItem(ctx, actorOf(req), req.params.id, req.query.version);
    return reply.status(204).send();
  });

  app.get('/copies/:id/rubric', { schema: { params: Params, response: { 200: CopyRubricResponse, ...ProblemResponses }, tags } }, async (req) =>
    rubric.getCopyRubric(ctx, actorOf(req), req.params.id),
  );
  app.put('/copies/:id/questions/:questionId/rubric', { schema: { params: QParams, body: PutRubricBody, response: { 200: PutRubricResponse, ...ProblemResponses }, tags } }, async (req) =>
    rubric.putQuestionRubric(ctx, actorOf(req), req.params.id, req.params.questionId, lockToken(req), req.body),
  );

  app.get(
    '/exams/:id/questions/:questionId/next',
    { schema: { params: QParams, querystring: NextCopyQuery, response: { 200: NextCopyResponse, 204: NoContent, ...ProblemResponses }, tags } },
    async (req, reply) => {
      const next = await qmode.nextCopy(ctx, actorOf(req), req.params.id, req.params.questionId, req.query.after);
      return next ? next : reply.status(204).send();
    },
  );
  app.put('/exams/:id/questions/:questionId/region', { schema: { params: QParams, body: PutRegionBody, response: { 200: QuestionSettings, ...ProblemResponses }, tags } }, async (req) =>
    qmode.setRegion(ctx, actorOf(req), req.params.id, req.params.questionId, req.body.region),
  );
  app.put(
    '/exams/:id/questions/:questionId/scoring-mode',
    { schema: { params: QParams, body: PutScoringModeBody, response: { 200: QuestionSettings, ...ProblemResponses }, tags } },
    async (req) => qmode.setScoringMode(ctx, actorOf(req), req.params.id, req.params.questionId, req.body.mode),
  );
  app.get('/exams/:id/question-correctors', { schema: { params: Params, response: { 200: QuestionCorrectorsList, ...ProblemResponses }, tags } }, async (req) =>
    qmode.listQuestionCorrectors(ctx, actorOf(req), req.params.id),
  );
  app.put(
    '/exams/:id/questions/:questionId/correctors',
    { schema: { params: QParams, body: PutQuestionCorrectorsBody, response: { 200: QuestionCorrectorsList, ...ProblemResponses }, tags } },
    async (req) => qmode.setQuestionCorrectors(ctx, actorOf(req), req.params.id, req.params.questionId, req.body.assignments),
  );
  app.get('/exams/:id/question-progress', { schema: { params: Params, response: { 200: ExamProgress, ...ProblemResponses }, tags } }, async (req) =>
    qmode.questionProgress(ctx, actorOf(req), req.params.id),
  );
  app.post('/exams/:id/finalize-complete', { schema: { params: Params, response: { 200: FinalizeCompleteResponse, ...ProblemResponses }, tags } }, async (req) => {
    const r = await qmode.finalizeComplete(ctx, actorOf(req), req.params.id);
    return r;
  });
};
